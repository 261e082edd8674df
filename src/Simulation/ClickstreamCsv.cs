using System.Globalization;
using System.Text;
using Personalization.Topology.Records;

namespace Personalization.Simulation;

/// <summary>
/// Clickstream files for training. The generator writes the full format
/// (<c>timestamp,user_id,event_type,item_id,category,price,quantity,session_id,event_id,channel,device_id,ip_hash,country,is_fraudster</c>,
/// timestamps in epoch milliseconds, event types as in ClickEvent). Reading also accepts a retail export
/// <c>timestamp,user_id,event_type,item_id[,category,price]</c> with event types <c>view</c>, <c>addtocart</c> and
/// <c>transaction</c> (mapped to PRODUCT_VIEW, ADD_TO_CART and PURCHASE); sessions are then cut at 30 minutes of
/// inactivity, and there are no fraud labels. Columns are found by header name, in any order.
/// </summary>
public static class ClickstreamCsv
{
    private static readonly string[] FullHeader =
        ["timestamp", "user_id", "event_type", "item_id", "category", "price", "quantity", "session_id", "event_id", "channel", "device_id", "ip_hash", "country", "is_fraudster"];

    private static readonly TimeSpan SessionGap = TimeSpan.FromMinutes(30);

    /// <summary>Writes the clickstream events (not decisions or rewards) of <paramref name="records"/>; returns how many.</summary>
    public static long Write(IEnumerable<GeneratedRecord> records, TextWriter writer)
    {
        writer.WriteLine(string.Join(',', FullHeader));
        long count = 0;
        var line = new StringBuilder();
        foreach (var record in records)
        {
            if (record.Event is not { } e)
            {
                continue;
            }

            line.Clear()
                .Append(e.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Field(e.UserId)).Append(',')
                .Append(Symbols.Of(e.Type)).Append(',')
                .Append(Field(e.ItemId)).Append(',')
                .Append(Field(e.Category)).Append(',')
                .Append(e.Price?.ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(e.Quantity?.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Field(e.SessionId)).Append(',')
                .Append(Field(e.EventId)).Append(',')
                .Append(e.Channel is { } channel ? Symbols.Of(channel) : "").Append(',')
                .Append(Field(e.DeviceId)).Append(',')
                .Append(Field(e.IpHash)).Append(',')
                .Append(Field(e.Country)).Append(',')
                .Append(record.UserIsFraudster ? '1' : '0');
            writer.WriteLine(line);
            count++;
        }

        return count;
    }

    /// <summary>Reads events from either format. A malformed line fails with its line number.</summary>
    public static IEnumerable<LabeledEvent> Read(TextReader reader, string source = "input")
    {
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{source} is empty; expected a CSV header.");
        var columns = Split(header).Select((name, index) => (name: name.Trim().ToLowerInvariant(), index)).ToDictionary(c => c.name, c => c.index);
        foreach (var required in new[] { "timestamp", "user_id", "event_type" })
        {
            if (!columns.ContainsKey(required))
            {
                throw new InvalidDataException($"{source} has no '{required}' column; the header is '{header}'.");
            }
        }

        var sessions = new Dictionary<string, (string Id, long Last)>(StringComparer.Ordinal);
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = Split(line);
            string? Get(string column) => columns.TryGetValue(column, out var i) && i < fields.Count && fields[i].Length > 0 ? fields[i] : null;

            LabeledEvent labeled;
            try
            {
                var timestamp = long.Parse(Get("timestamp")!, NumberStyles.Integer, CultureInfo.InvariantCulture);
                var userId = Get("user_id") ?? throw new FormatException("user_id is empty");
                var type = ParseType(Get("event_type") ?? throw new FormatException("event_type is empty"));
                var sessionId = Get("session_id") ?? Sessionize(sessions, userId, timestamp);
                labeled = new LabeledEvent(new ClickEvent
                {
                    EventId = Get("event_id") ?? $"{source}:{lineNumber}",
                    UserId = userId,
                    SessionId = sessionId,
                    Type = type,
                    Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(timestamp),
                    ItemId = Get("item_id"),
                    Category = Get("category") ?? Get("categoryid"),
                    Price = Get("price") is { } price ? double.Parse(price, CultureInfo.InvariantCulture) : null,
                    Quantity = Get("quantity") is { } quantity ? int.Parse(quantity, CultureInfo.InvariantCulture) : null,
                    Channel = Get("channel") is { } channel ? Symbols.Parse<Channel>(channel) : null,
                    DeviceId = Get("device_id"),
                    IpHash = Get("ip_hash"),
                    Country = Get("country"),
                }, Get("is_fraudster") is { } label ? label is "1" or "true" : null);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new InvalidDataException($"{source} line {lineNumber}: {e.Message}", e);
            }

            yield return labeled;
        }
    }

    private static EventType ParseType(string value) => value.ToLowerInvariant() switch
    {
        "view" => EventType.ProductView,
        "addtocart" => EventType.AddToCart,
        "transaction" => EventType.Purchase,
        _ => Symbols.Parse<EventType>(value),
    };

    private static string Sessionize(Dictionary<string, (string Id, long Last)> sessions, string userId, long timestamp)
    {
        if (!sessions.TryGetValue(userId, out var session) || timestamp - session.Last > SessionGap.TotalMilliseconds)
        {
            session = ($"{userId}@{timestamp}", timestamp);
        }

        sessions[userId] = (session.Id, Math.Max(session.Last, timestamp));
        return session.Id;
    }

    private static string Field(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
