using System.Net;

namespace Personalization.Bench;

/// <summary>
/// One person with the console open, as the page behaves: the pipeline view (<c>/v1/instances</c>) every 2 s, and
/// every 10 s a user looked up in the inspector (<c>/v1/users/{id}</c> and its history).
/// </summary>
internal static class ConsoleViewer
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(2);
    private const int PollsPerInspection = 5;

    /// <summary>Runs until <paramref name="stop"/>; returns how many users were inspected.</summary>
    public static async Task<int> Run(int port, string[] users, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = new Uri(WorkerFleet.Endpoint(port)), Timeout = TimeSpan.FromSeconds(10) };
        var random = new Random(5);
        var inspections = 0;
        for (var poll = 0; !stop.IsCancellationRequested; poll++)
        {
            Expect(await http.GetAsync("/v1/instances", CancellationToken.None), "/v1/instances");
            if (poll % PollsPerInspection == 0)
            {
                var user = users[random.Next(users.Length)];
                Expect(await http.GetAsync($"/v1/users/{user}", CancellationToken.None), "/v1/users");
                Expect(await http.GetAsync($"/v1/users/{user}/history", CancellationToken.None), "/v1/users/history");
                inspections++;
            }

            try
            {
                await Task.Delay(PollEvery, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return inspections;
    }

    private static void Expect(HttpResponseMessage response, string what)
    {
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"The console viewer's {what} answered {(int)response.StatusCode}.");
            }
        }
    }
}
