namespace Streams.Engine.State;

/// <summary>Decodes a stored value from bytes that are valid only for the duration of the call.</summary>
internal delegate T ValueReader<out T>(ReadOnlySpan<byte> bytes);
