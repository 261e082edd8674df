using Personalization.Topology.Records;

namespace Personalization.Worker.Queries;

/// <summary>
/// A user's recent history as the topics carry it (snake_case JSON), each list newest first and at most the limit asked
/// for: what the user did, what the models said, which attributes changed, which decisions were joined with their reward,
/// and which triggers were sent. <see cref="Scanned"/> says how far back each topic was searched.
/// </summary>
/// <param name="UserId">The user asked for.</param>
/// <param name="Instance">The instance that read the topics (any instance can: the topics hold every user).</param>
/// <param name="Events">The user's records on <c>events.clickstream</c>.</param>
/// <param name="FraudScores">The user's records on <c>scores.fraud</c>, each with the model version that produced it.</param>
/// <param name="PropensityScores">The user's records on <c>scores.propensity</c>.</param>
/// <param name="AttributeChanges">The user's records on <c>users.attributes</c>: what changed, or that the user was forgotten.</param>
/// <param name="JoinedDecisions">The user's records on <c>bandit.training</c>: decisions joined with their reward.</param>
/// <param name="Triggers">The user's records on <c>triggers.outbound</c>.</param>
/// <param name="Scanned">Per topic, the partition that holds the user and the part of it that was searched.</param>
internal sealed record UserHistoryResponse(
    string UserId,
    AnsweringInstance Instance,
    IReadOnlyList<ClickEvent> Events,
    IReadOnlyList<Score> FraudScores,
    IReadOnlyList<Score> PropensityScores,
    IReadOnlyList<AttributeHistoryEntry> AttributeChanges,
    IReadOnlyList<TrainingRecord> JoinedDecisions,
    IReadOnlyList<Trigger> Triggers,
    IReadOnlyList<TopicScan> Scanned);

/// <summary>One record of <c>users.attributes</c> for the user: the changes it carried, or a tombstone (forgotten).</summary>
internal sealed record AttributeHistoryEntry(DateTimeOffset At, bool Forgotten, IReadOnlyList<AttributeChange> Changes, UserAttributes? Attributes);

/// <summary>
/// How much of a topic a history request searched: offsets [<paramref name="FromOffset"/>, <paramref name="ToOffset"/>)
/// of the user's partition. <paramref name="Complete"/> means every record the partition still holds was searched; when
/// false, records older than <paramref name="FirstAt"/> were not (the scan budget or the time limit stopped it; see
/// <paramref name="Note"/>).
/// </summary>
internal sealed record TopicScan(
    string Topic,
    int? Partition,
    long FromOffset,
    long ToOffset,
    long Records,
    DateTimeOffset? FirstAt,
    bool Complete,
    long Unreadable = 0,
    string? Note = null);
