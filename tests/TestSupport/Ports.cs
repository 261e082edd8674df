using System.Net;
using System.Net.Sockets;

namespace Streams.TestSupport;

/// <summary>Local TCP ports for servers a test starts.</summary>
public static class Ports
{
    /// <summary>A port nothing listens on now (the OS picked it for a listener that is closed again).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
