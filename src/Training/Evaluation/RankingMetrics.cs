namespace Personalization.Training.Evaluation;

/// <summary>
/// ROC-AUC, PR-AUC (average precision) and recall at a precision over weighted examples, from an order of the examples
/// by descending score computed once, so a bootstrap resample (the same examples with other weights) costs one pass.
/// Examples with equal scores form one threshold: ties count half in ROC-AUC and together in precision.
/// </summary>
internal static class RankingMetrics
{
    /// <summary>The example indices by descending score.</summary>
    public static int[] Order(float[] scores)
    {
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var keys = scores.Select(s => -s).ToArray();
        Array.Sort(keys, order);
        return order;
    }

    /// <summary>ROC-AUC, average precision, and the best recall (with its threshold) whose precision reaches <paramref name="targetPrecision"/>.</summary>
    public static (double RocAuc, double PrAuc, double Recall, double Threshold) Compute(
        int[] order, float[] scores, bool[] labels, double[] weights, double targetPrecision)
    {
        double positives = 0, negatives = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i])
            {
                positives += weights[i];
            }
            else
            {
                negatives += weights[i];
            }
        }

        if (positives == 0 || negatives == 0)
        {
            return (double.NaN, double.NaN, 0, 1);
        }

        double truePositives = 0, falsePositives = 0, rocArea = 0, precisionArea = 0, bestRecall = 0, bestThreshold = 1;
        var start = 0;
        while (start < order.Length)
        {
            var score = scores[order[start]];
            double groupPositives = 0, groupNegatives = 0;
            var end = start;
            while (end < order.Length && scores[order[end]] == score)
            {
                var i = order[end++];
                if (labels[i])
                {
                    groupPositives += weights[i];
                }
                else
                {
                    groupNegatives += weights[i];
                }
            }

            // Positives of this group rank above every negative below it and tie with the group's own negatives.
            rocArea += groupPositives * (negatives - falsePositives - groupNegatives + (0.5 * groupNegatives));
            truePositives += groupPositives;
            falsePositives += groupNegatives;
            if (truePositives + falsePositives > 0)
            {
                var precision = truePositives / (truePositives + falsePositives);
                precisionArea += precision * groupPositives;
                if (precision >= targetPrecision && truePositives / positives > bestRecall)
                {
                    bestRecall = truePositives / positives;
                    bestThreshold = score;
                }
            }

            start = end;
        }

        return (rocArea / (positives * negatives), precisionArea / positives, bestRecall, bestThreshold);
    }
}
