using Confluent.Kafka;
using Streams.Engine.Serialization;

namespace Streams.Engine.State;

/// <summary>Serialization shared by the typed stores; keys and values are serialized in the changelog topic's context.</summary>
internal abstract class TypedStoreBase<TKey, TValue>(
    string name,
    StoreType type,
    bool logged,
    ISerde<TKey> keySerde,
    ISerde<TValue> valueSerde) : StateStoreBase(name, type, logged)
{
    private SerializationContext _keyContext;
    private SerializationContext _valueContext;
    private ValueReader<TValue>? _valueReader;

    protected byte[] SerializeKey(TKey key) =>
        keySerde.Serialize(key, _keyContext) ?? throw new ArgumentNullException(nameof(key), $"Store '{Name}' does not take null keys.");

    protected TKey DeserializeKey(ReadOnlySpan<byte> bytes) => keySerde.Deserialize(bytes, false, _keyContext);

    protected byte[]? SerializeValue(TValue value) => valueSerde.Serialize(value, _valueContext);

    protected TValue DeserializeValue(ReadOnlySpan<byte> bytes) => valueSerde.Deserialize(bytes, false, _valueContext);

    /// <summary><see cref="DeserializeValue"/> as a reader for <see cref="IKeyValueBytesStore.TryRead{T}"/>, made once per store.</summary>
    protected ValueReader<TValue> ValueReader => _valueReader ??= DeserializeValue;

    protected override void OnOpened(StateStoreContext context)
    {
        var topic = context.ChangelogTopic(Name);
        _keyContext = new SerializationContext(MessageComponentType.Key, topic);
        _valueContext = new SerializationContext(MessageComponentType.Value, topic);
    }
}
