using Confluent.Kafka;

namespace Streams.Engine.Serialization;

/// <summary>
/// A serializer and deserializer pair for one type. It extends Confluent.Kafka's own interfaces,
/// so every serde of the engine can be handed to a plain producer or consumer as well.
/// </summary>
/// <remarks>
/// A serde must be stateless or thread-safe: one instance is shared by every task and thread of a topology.
/// </remarks>
public interface ISerde<T> : ISerializer<T>, IDeserializer<T>
{
}
