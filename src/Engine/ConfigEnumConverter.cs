using System.ComponentModel;
using System.Globalization;

namespace Streams.Engine;

/// <summary>
/// Reads an engine setting's enum from configuration in Kafka Streams' spelling (<c>exactly_once_v2</c>, <c>dlq</c>),
/// or by its .NET name, so options bound from appsettings or the environment need no translation layer.
/// </summary>
internal abstract class ConfigEnumConverter<TEnum>(string key, IReadOnlyDictionary<string, TEnum> spellings) : EnumConverter(typeof(TEnum))
    where TEnum : struct, Enum
{
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is string text)
        {
            if (spellings.TryGetValue(text.Trim(), out var known) || Enum.TryParse(text, ignoreCase: true, out known))
            {
                return known;
            }

            throw new FormatException($"{key} must be {string.Join(" or ", spellings.Keys)} but is '{text}'.");
        }

        return base.ConvertFrom(context, culture, value);
    }

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is TEnum member && spellings.FirstOrDefault(s => s.Value.Equals(member)) is { Key: { } spelling }
            ? spelling
            : base.ConvertTo(context, culture, value, destinationType);
}

/// <summary><c>at_least_once</c> or <c>exactly_once_v2</c>.</summary>
internal sealed class ProcessingGuaranteeConverter() : ConfigEnumConverter<ProcessingGuarantee>(
    "processing.guarantee",
    new Dictionary<string, ProcessingGuarantee>(StringComparer.OrdinalIgnoreCase)
    {
        ["at_least_once"] = ProcessingGuarantee.AtLeastOnce,
        ["exactly_once_v2"] = ProcessingGuarantee.ExactlyOnceV2,
    });

/// <summary><c>dlq</c>, <c>skip</c> or <c>fail</c>.</summary>
internal sealed class ErrorPolicyConverter() : ConfigEnumConverter<ErrorPolicy>(
    "The error policy",
    new Dictionary<string, ErrorPolicy>(StringComparer.OrdinalIgnoreCase)
    {
        ["dlq"] = ErrorPolicy.DeadLetter,
        ["skip"] = ErrorPolicy.Skip,
        ["fail"] = ErrorPolicy.Fail,
    });
