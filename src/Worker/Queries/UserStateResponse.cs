using Personalization.Topology.Records;
using Personalization.Topology.Serving;
using Personalization.Worker.Hosting;

namespace Personalization.Worker.Queries;

/// <summary>
/// One user's answer as the query API writes it (snake_case JSON): an HTTP-like status, who answered and how fresh
/// that is, and the state when found.
/// </summary>
/// <param name="UserId">The user asked for.</param>
/// <param name="Status">200 found, 404 unknown (never seen or forgotten), 503 not answerable now (see <paramref name="Error"/>).</param>
/// <param name="Instance">The instance that read its stores (or, for a 503, the one that gave up).</param>
/// <param name="Source"><c>active</c>: the task that processes the user's events answered.</param>
/// <param name="StreamTime">The answering task's stream time: the latest event time it has processed, across its users.</param>
/// <param name="LagRecords">Input records the task had not processed yet when last measured (about once a second).</param>
/// <param name="Attributes">The attribute set last sent to <c>users.attributes</c>.</param>
/// <param name="Scores">The scores last sent to <c>scores.fraud</c> and <c>scores.propensity</c>.</param>
/// <param name="Features">The features as of the user's latest event.</param>
/// <param name="RecentActivity">The minutes of the last hour to the user's latest event in which they did something, newest first.</param>
/// <param name="PendingDecisions">The user's bandit decisions whose reward window is still open, with the rewards so far.</param>
/// <param name="SentTriggers">Triggers written for the user within the de-duplication period.</param>
/// <param name="Error">Why a 503 or 404 could not answer.</param>
internal sealed record UserStateResponse(
    string UserId,
    int Status,
    AnsweringInstance Instance,
    string? Source = null,
    DateTimeOffset? StreamTime = null,
    long? LagRecords = null,
    UserAttributes? Attributes = null,
    LatestScoresView? Scores = null,
    UserFeatures? Features = null,
    IReadOnlyList<ActivityMinute>? RecentActivity = null,
    IReadOnlyList<PendingDecisionView>? PendingDecisions = null,
    IReadOnlyList<SentTriggerView>? SentTriggers = null,
    string? Error = null);

/// <summary>The instance that answered: its id and advertised endpoint.</summary>
internal sealed record AnsweringInstance(string ProcessId, string? Endpoint)
{
    /// <summary>This instance (an empty id while the runtime is starting).</summary>
    public static AnsweringInstance Of(StreamsService service) =>
        new(service.Streams?.ProcessId ?? "", service.Streams is null ? null : service.AdvertisedEndpoint);
}

/// <summary>A user's latest scores, each as the score topics carry it.</summary>
internal sealed record LatestScoresView(Score? Fraud, Score? Propensity);
