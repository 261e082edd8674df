using System.ComponentModel;

namespace Streams.Engine;

/// <summary>processing.guarantee; configuration spells it <c>at_least_once</c> or <c>exactly_once_v2</c>.</summary>
[TypeConverter(typeof(ProcessingGuaranteeConverter))]
public enum ProcessingGuarantee
{
    /// <summary>at_least_once: after a crash, records since the last commit are processed again.</summary>
    AtLeastOnce,

    /// <summary>exactly_once_v2: outputs, changelogs and input offsets commit in one transaction per thread.</summary>
    ExactlyOnceV2,
}
