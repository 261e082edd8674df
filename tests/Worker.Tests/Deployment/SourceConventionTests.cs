using System.Text.RegularExpressions;
using static Personalization.Worker.Tests.Deployment.RepositoryFiles;

namespace Personalization.Worker.Tests.Deployment;

/// <summary>
/// The conventions .editorconfig cannot express, checked over every C# file of the repository: a line-length limit,
/// one public type per source file named after it, and namespaces that follow folders.
/// </summary>
public sealed partial class SourceConventionTests
{
    private const int MaxLineLength = 200;

    [Fact]
    public void Every_line_of_code_stays_within_the_length_limit()
    {
        var tooLong = CSharpFiles("src", "tests", "bench")
            .SelectMany(file => File.ReadLines(file).Select((line, index) => (file, index, line)))
            .Where(l => l.line.Length > MaxLineLength)
            .Select(l => $"{Relative(l.file)}:{l.index + 1} ({l.line.Length} characters)")
            .ToList();

        Assert.True(tooLong.Count == 0, $"Lines longer than {MaxLineLength} characters:\n{string.Join('\n', tooLong)}");
    }

    [Fact]
    public void Each_source_file_declares_one_public_type_and_is_named_after_it()
    {
        var problems = new List<string>();
        foreach (var file in CSharpFiles("src"))
        {
            var names = PublicTopLevelType().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).Distinct().ToList();
            if (names.Count > 1)
            {
                problems.Add($"{Relative(file)} declares {string.Join(", ", names)}");
            }
            else if (names.Count == 1 && names[0] != Path.GetFileNameWithoutExtension(file))
            {
                problems.Add($"{Relative(file)} declares {names[0]}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Namespaces_follow_the_project_root_namespace_and_folders()
    {
        var problems = new List<string>();
        foreach (var project in Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            var directory = Path.GetDirectoryName(project)!;
            var rootNamespace = RootNamespace().Match(File.ReadAllText(project)).Groups[1].Value;
            foreach (var file in CSharpFiles(Path.GetRelativePath(Root, directory)))
            {
                var folders = Path.GetRelativePath(directory, Path.GetDirectoryName(file)!);
                var expected = folders == "." ? rootNamespace : $"{rootNamespace}.{folders.Replace(Path.DirectorySeparatorChar, '.')}";
                var declared = FileScopedNamespace().Match(File.ReadAllText(file));
                // A file of top-level statements (a Program.cs) has no namespace to follow.
                if (declared.Success && declared.Groups[1].Value != expected)
                {
                    problems.Add($"{Relative(file)}: namespace {declared.Groups[1].Value}, folder says {expected}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static IEnumerable<string> CSharpFiles(params string[] folders) =>
        folders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Relative(string file) => Path.GetRelativePath(Root, file);

    [GeneratedRegex(
        @"^public (?:(?:sealed|static|abstract|readonly|partial|ref|unsafe) )*(?:class|record struct|record|struct|interface|enum|delegate \S+) +([A-Za-z_]\w*)",
        RegexOptions.Multiline)]
    private static partial Regex PublicTopLevelType();

    [GeneratedRegex(@"<RootNamespace>([^<]+)</RootNamespace>")]
    private static partial Regex RootNamespace();

    [GeneratedRegex(@"^namespace ([A-Za-z0-9_.]+);", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();
}
