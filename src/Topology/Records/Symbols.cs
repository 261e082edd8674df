using System.Text;

namespace Personalization.Topology.Records;

/// <summary>Avro enum symbols (SCREAMING_SNAKE_CASE) for the C# enums that mirror them.</summary>
public static class Symbols
{
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum
    {
        var name = value.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }

    public static TEnum Parse<TEnum>(string symbol) where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(symbol.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new FormatException($"'{symbol}' is not a {typeof(TEnum).Name} ({string.Join(", ", Enum.GetValues<TEnum>().Select(Of))}).");
}
