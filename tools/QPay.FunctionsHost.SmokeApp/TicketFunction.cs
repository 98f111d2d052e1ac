using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace QPay.FunctionsHost.SmokeApp;

/// <summary>An HTTP response and a queue message from one invocation (a multi-output type).</summary>
public sealed class TicketFunction
{
    [Function(nameof(CreateTicket))]
    public static async Task<TicketOutput> CreateTicket(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tickets")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var subject = await reader.ReadToEndAsync(cancellationToken);
        var ticketId = Guid.NewGuid().ToString("N");
        return new TicketOutput
        {
            Response = new CreatedResult($"/tickets/{ticketId}", new { ticketId, subject }),
            Ticket = $"{ticketId}:{subject}",
        };
    }

    public sealed class TicketOutput
    {
        [HttpResult]
        public required IActionResult Response { get; init; }

        [QueueOutput("%SmokeQueue%-tickets")]
        public string? Ticket { get; init; }
    }
}
