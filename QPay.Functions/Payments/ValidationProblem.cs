namespace QPay.Functions.Payments;

/// <summary>What is wrong with a request, naming the field (JSON path) it is about.</summary>
public sealed record ValidationProblem(string Field, string Message);
