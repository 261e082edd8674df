using Confluent.Kafka;

namespace Streams.Engine.Runtime;

/// <summary>The producer's part in a commit, apart from the record path, so that the committers' order is tested on a double.</summary>
internal interface ICommitProducer
{
    /// <summary>Sends whatever lingers and waits for every delivery report; returns how many records are still unacknowledged.</summary>
    int Flush(TimeSpan timeout);

    /// <summary>Throws the first failed delivery (or the producer's fatal error), if there was one.</summary>
    void ThrowIfFailed();

    /// <summary>Adds the input offsets to the open transaction, under the current group generation of the consumer the transactions were started for.</summary>
    void SendOffsetsToTransaction(IReadOnlyList<TopicPartitionOffset> offsets, TimeSpan timeout);

    void CommitTransaction(TimeSpan timeout);

    void BeginTransaction();
}
