using Personalization.Topology.Records;

namespace Personalization.Topology.Serving;

/// <summary>What the worker holds about one user: current attributes, latest scores, and features as of the latest event.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Attributes">The attribute set last emitted to <c>users.attributes</c>; null before the first.</param>
/// <param name="Fraud">The score last emitted to <c>scores.fraud</c>; null before the first.</param>
/// <param name="Propensity">The score last emitted to <c>scores.propensity</c>; null before the first.</param>
/// <param name="Features">The features as of the user's latest event, computed from the stores as the scorer computes them.</param>
/// <param name="RecentActivity">The minutes of the last hour (to the latest event) in which the user did something, newest first.</param>
/// <param name="PendingDecisions">The user's bandit decisions whose reward window is open, oldest first.</param>
/// <param name="SentTriggers">Triggers written for the user within the de-duplication period, oldest first (empty when triggers are off).</param>
public sealed record UserState(
    string UserId,
    UserAttributes? Attributes,
    Score? Fraud,
    Score? Propensity,
    UserFeatures? Features,
    IReadOnlyList<ActivityMinute> RecentActivity,
    IReadOnlyList<PendingDecisionView> PendingDecisions,
    IReadOnlyList<SentTriggerView> SentTriggers);
