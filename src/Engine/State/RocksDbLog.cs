using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using RocksDbSharp;

namespace Streams.Engine.State;

/// <summary>
/// Where one RocksDB database's warnings and errors go: the runtime's log, naming the store's directory, instead of
/// the LOG file RocksDB otherwise writes in every database's directory. That file's writer keeps a 64 KiB buffer per
/// database, about 40 MB in a pod with 640 stores open, for lines nobody reads; a write stall or a failed flush
/// belongs where an operator looks. RocksDB's informational lines (each open, flush and compaction) are dropped.
/// </summary>
internal sealed unsafe class RocksDbLog : IDisposable
{
    // RocksDB's InfoLogLevel: DEBUG, INFO, WARN, ERROR, FATAL, then HEADER for the options it prints at open.
    private const uint Warn = 2;
    private const uint Error = 3;
    private const uint Fatal = 4;

    private readonly ILogger _logger;
    private readonly string _directory;
    private GCHandle _self;

    public RocksDbLog(string directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
        _self = GCHandle.Alloc(this);
        delegate* unmanaged[Cdecl]<IntPtr, uint, IntPtr, nuint, void> callback = &Write;
        Handle = Native.Instance.rocksdb_logger_create_callback_logger((int)Warn, (IntPtr)callback, GCHandle.ToIntPtr(_self));
    }

    /// <summary>The logger for <c>rocksdb_options_set_info_log</c>; the options and the database hold their own references.</summary>
    public IntPtr Handle { get; private set; }

    /// <summary>Releases this handle to the logger. Only once the database is closed: until then it may still log.</summary>
    public void Dispose()
    {
        if (Handle != IntPtr.Zero)
        {
            Native.Instance.rocksdb_logger_destroy(Handle);
            Handle = IntPtr.Zero;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    /// <summary>Called by RocksDB's threads, the stream thread's included, for every line the database logs.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Write(IntPtr self, uint level, IntPtr message, nuint length)
    {
        // The level asked for does not hold back HEADER lines, the version and options RocksDB prints at every open
        // (some 400 of them): only WARN to FATAL are passed on.
        if (level is < Warn or > Fatal)
        {
            return;
        }

        try
        {
            var log = (RocksDbLog)GCHandle.FromIntPtr(self).Target!;
            var text = Marshal.PtrToStringUTF8(message, checked((int)length)).TrimEnd();
            var logLevel = level switch
            {
                Warn => LogLevel.Warning,
                Error => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            log._logger.Log(logLevel, "RocksDB store {StoreDirectory}: {RocksDbMessage}", log._directory, text);
        }
#pragma warning disable CA1031 // An exception must not unwind into RocksDB's native frames: that would end the process.
        catch (Exception)
#pragma warning restore CA1031
        {
            // A log provider that throws loses this line, and only this line.
        }
    }
}
