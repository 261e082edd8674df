namespace Streams.Engine.Dsl;

/// <summary>When a windowed table's results go downstream.</summary>
public enum EmitStrategy
{
    /// <summary>Every update of a window, as it happens (the default).</summary>
    OnWindowUpdate,

    /// <summary>One final result per window, once stream time passes its end plus grace (sessions: last record + gap + grace).</summary>
    OnWindowClose,
}
