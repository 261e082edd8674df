using System.Text.Json;

namespace Streams.Engine.Runtime;

/// <summary>
/// The <c>.checkpoint</c> file of a task: for each persistent logged store, the changelog offset its local data
/// reflects. Restoration resumes after it; a store without an entry is wiped and restored from the beginning.
/// </summary>
internal static class TaskCheckpoint
{
    private const string FileName = ".checkpoint";

    public static Dictionary<string, long> Read(string taskDirectory)
    {
        var path = Path.Combine(taskDirectory, FileName);
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllBytes(path)) ?? [];
        }
        catch (JsonException)
        {
            // A torn or foreign file is no checkpoint: the stores are rebuilt from their changelogs.
            return [];
        }
    }

    public static void Write(string taskDirectory, IReadOnlyDictionary<string, long> offsets)
    {
        Directory.CreateDirectory(taskDirectory);
        var path = Path.Combine(taskDirectory, FileName);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(offsets));
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string taskDirectory)
    {
        var path = Path.Combine(taskDirectory, FileName);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
