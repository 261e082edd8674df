using System.Runtime.InteropServices;

namespace Streams.Engine.Embedded;

/// <summary>
/// The part of librdkafka's C API the embedded cluster needs: a client handle to host the mock cluster, and the
/// rd_kafka_mock_* functions. Loaded from the native library that ships with librdkafka.redist for the running
/// platform; on Linux the centos8 build is preferred because it does not need libsasl2.
/// </summary>
internal static unsafe class MockClusterNative
{
    private static readonly Lazy<Api> Loaded = new(Load);

    public static Api Functions => Loaded.Value;

    private static Api Load()
    {
        var tried = new List<string>();
        foreach (var path in CandidatePaths())
        {
            if (!File.Exists(path))
            {
                continue;
            }

            tried.Add(path);
            if (NativeLibrary.TryLoad(path, out var handle) && NativeLibrary.TryGetExport(handle, "rd_kafka_mock_cluster_new", out _))
            {
                return new Api(handle);
            }
        }

        throw new InvalidOperationException(
            "The embedded Kafka cluster needs librdkafka's native library with the mock cluster API (from the librdkafka.redist package). " +
            (tried.Count == 0 ? "None was found next to the application" : $"None of these loaded: {string.Join(", ", tried)}") +
            "; set STREAMS_LIBRDKAFKA_PATH to its path.");
    }

    private static IEnumerable<string> CandidatePaths()
    {
        if (Environment.GetEnvironmentVariable("STREAMS_LIBRDKAFKA_PATH") is { Length: > 0 } configured)
        {
            yield return configured;
        }

        // The package's own layout (runtimes/<rid>/native) in a build output, or flattened next to the application by a
        // runtime-specific publish. Every platform build of librdkafka.redist exports the mock API.
        var architecture = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            _ => "x64",
        };
        var (rid, files) =
            OperatingSystem.IsWindows() ? ($"win-{architecture}", new[] { "librdkafka.dll" })
            : OperatingSystem.IsMacOS() ? ($"osx-{architecture}", new[] { "librdkafka.dylib" })
            : ($"linux-{architecture}", new[] { "centos8-librdkafka.so", "librdkafka.so", "alpine-librdkafka.so" });
        foreach (var directory in new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"), AppContext.BaseDirectory })
        {
            foreach (var file in files)
            {
                yield return Path.Combine(directory, file);
            }
        }
    }

    internal sealed class Api(IntPtr library)
    {
        public readonly delegate* unmanaged<IntPtr> ConfNew = (delegate* unmanaged<IntPtr>)Export(library, "rd_kafka_conf_new");
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet =
            (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)Export(library, "rd_kafka_conf_set");
        public readonly delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> New =
            (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)Export(library, "rd_kafka_new");
        public readonly delegate* unmanaged<IntPtr, void> Destroy = (delegate* unmanaged<IntPtr, void>)Export(library, "rd_kafka_destroy");
        public readonly delegate* unmanaged<int, IntPtr> ErrorToString = (delegate* unmanaged<int, IntPtr>)Export(library, "rd_kafka_err2str");
        public readonly delegate* unmanaged<IntPtr, int, IntPtr> ClusterNew = (delegate* unmanaged<IntPtr, int, IntPtr>)Export(library, "rd_kafka_mock_cluster_new");
        public readonly delegate* unmanaged<IntPtr, void> ClusterDestroy = (delegate* unmanaged<IntPtr, void>)Export(library, "rd_kafka_mock_cluster_destroy");
        public readonly delegate* unmanaged<IntPtr, IntPtr> ClusterBootstraps = (delegate* unmanaged<IntPtr, IntPtr>)Export(library, "rd_kafka_mock_cluster_bootstraps");
        public readonly delegate* unmanaged<IntPtr, byte*, int, int, int> TopicCreate =
            (delegate* unmanaged<IntPtr, byte*, int, int, int>)Export(library, "rd_kafka_mock_topic_create");
        public readonly delegate* unmanaged<IntPtr, short, nuint, int*, void> PushRequestErrors =
            (delegate* unmanaged<IntPtr, short, nuint, int*, void>)Export(library, "rd_kafka_mock_push_request_errors_array");
        public readonly delegate* unmanaged<IntPtr, int, void> GroupInitialRebalanceDelay =
            (delegate* unmanaged<IntPtr, int, void>)Export(library, "rd_kafka_mock_group_initial_rebalance_delay_ms");

        private static IntPtr Export(IntPtr library, string name) => NativeLibrary.GetExport(library, name);
    }
}
