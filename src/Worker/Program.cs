// The worker host (configuration, embedded cluster, HTTP, commands) is built on top of the engine runtime; until
// then the process only says so, and fails, rather than pretending to run.
Console.Error.WriteLine("Personalization.Worker: the hosted worker is not built yet; see the open issues.");
return 2;
