namespace Streams.Engine.Processor;

/// <summary>Which clock drives a punctuator.</summary>
public enum PunctuationType
{
    /// <summary>Stream time: advances only with record timestamps, so replays punctuate identically.</summary>
    StreamTime,

    /// <summary>Wall-clock time: fires even when no records arrive.</summary>
    WallClockTime,
}
