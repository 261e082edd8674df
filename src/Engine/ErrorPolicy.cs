using System.ComponentModel;

namespace Streams.Engine;

/// <summary>What to do with a record that cannot be deserialized or processed; configuration spells it <c>dlq</c>, <c>skip</c> or <c>fail</c>.</summary>
[TypeConverter(typeof(ErrorPolicyConverter))]
public enum ErrorPolicy
{
    /// <summary>dlq: send the original bytes to the dead-letter topic with the error in headers, and go on.</summary>
    DeadLetter,

    /// <summary>skip: count it, log it, and go on.</summary>
    Skip,

    /// <summary>fail: stop the stream thread with the error.</summary>
    Fail,
}
