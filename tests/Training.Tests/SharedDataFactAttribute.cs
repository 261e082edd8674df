namespace Personalization.Training.Tests;

/// <summary>
/// A test on a real data set in <c>../shared/data/&lt;dataset&gt;</c> beside the repository (never copied into it);
/// skipped, saying where it looked, when the data set is not there.
/// </summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string dataset)
    {
        if (SharedData.Find(dataset) is null)
        {
            Skip = $"The real data set '{dataset}' is not in ../shared/data beside the repository ({SharedData.Root ?? "no repository root found"}).";
        }
    }
}

/// <summary>Where the shared evaluation data sets are.</summary>
public static class SharedData
{
    /// <summary><c>../shared/data</c> from the repository root (the directory holding Streams.sln), or null.</summary>
    public static string? Root
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Streams.sln")))
                {
                    return Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "data"));
                }
            }

            return null;
        }
    }

    /// <summary>The data set's directory, or null when it is absent.</summary>
    public static string? Find(string dataset) => Root is { } root && Directory.Exists(Path.Combine(root, dataset)) ? Path.Combine(root, dataset) : null;
}
