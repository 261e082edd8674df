using Personalization.Topology.Records;

namespace Personalization.Topology.Features;

/// <summary>
/// What one scoring moment produces: the features scored, and the fraud and/or propensity score. After a user is
/// forgotten, <see cref="Features"/> is null: a tombstone for <c>features.user</c> and a signal to downstream state.
/// </summary>
public sealed record ScoringOutput(UserFeatures? Features, Score? Fraud, Score? Propensity);
