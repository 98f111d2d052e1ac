using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Routing.Template;
using QPay.FunctionsHost.Functions;

namespace QPay.FunctionsHost.Http;

/// <summary>
/// The HTTP triggers' routes: host.json's routePrefix + the trigger's <c>route</c> (else the
/// function name), matched with ASP.NET Core's <see cref="TemplateMatcher"/> and inline constraints,
/// most specific first. A path that matches but not with the request's method is not a match, so it
/// answers 404 as the Functions host does (not 405).
/// </summary>
internal sealed class HttpRouteTable
{
    private readonly IReadOnlyList<HttpRoute> _routes;

    private HttpRouteTable(IReadOnlyList<HttpRoute> routes) => _routes = routes;

    public IReadOnlyList<HttpRoute> Routes => _routes;

    public static HttpRouteTable Build(IEnumerable<FunctionDefinition> functions, string routePrefix, IInlineConstraintResolver constraints)
    {
        var routes = functions
            .Where(f => f.Trigger.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase))
            .Select(f => HttpRoute.Create(f, routePrefix, constraints))
            .OrderBy(r => r.Precedence)
            .ThenBy(r => r.Template, StringComparer.OrdinalIgnoreCase)
            .ToList();
        return new HttpRouteTable(routes);
    }

    public HttpRouteMatch? Match(HttpContext context)
    {
        foreach (var route in _routes)
        {
            var values = new RouteValueDictionary();
            if (route.Matches(context, values) && route.Allows(context.Request.Method))
            {
                return new HttpRouteMatch(route, values);
            }
        }

        return null;
    }
}

/// <summary>A matched route and the route values it captured.</summary>
internal sealed record HttpRouteMatch(HttpRoute Route, RouteValueDictionary Values);

/// <summary>One HTTP-triggered function's route, methods and authorization level.</summary>
internal sealed class HttpRoute
{
    private readonly TemplateMatcher _matcher;
    private readonly IReadOnlyList<(string Parameter, IRouteConstraint Constraint)> _constraints;

    private HttpRoute(FunctionDefinition function, string template, RouteTemplate parsed, IReadOnlyList<string>? methods, string authLevel, IReadOnlyList<(string, IRouteConstraint)> constraints)
    {
        Function = function;
        Template = template;
        Methods = methods;
        AuthLevel = authLevel;
        _constraints = constraints;
        var defaults = new RouteValueDictionary();
        foreach (var parameter in parsed.Parameters.Where(p => p.DefaultValue is not null))
        {
            defaults[parameter.Name!] = parameter.DefaultValue;
        }

        _matcher = new TemplateMatcher(parsed, defaults);
        Precedence = RoutePrecedence.ComputeInbound(parsed);
    }

    public FunctionDefinition Function { get; }

    /// <summary>The template without a leading slash, e.g. <c>echo/{name}</c>.</summary>
    public string Template { get; }

    /// <summary>Upper-case methods, or null for any method.</summary>
    public IReadOnlyList<string>? Methods { get; }

    public string AuthLevel { get; }

    public decimal Precedence { get; }

    public static HttpRoute Create(FunctionDefinition function, string routePrefix, IInlineConstraintResolver resolver)
    {
        var route = function.Trigger["route"] is { Length: > 0 } configured ? configured : function.Name;
        var template = string.Join('/', new[] { routePrefix.Trim('/'), route.Trim('/') }.Where(s => s.Length > 0));
        var parsed = TemplateParser.Parse(template);
        var constraints = new List<(string, IRouteConstraint)>();
        foreach (var parameter in parsed.Parameters)
        {
            foreach (var inline in parameter.InlineConstraints)
            {
                var constraint = resolver.ResolveConstraint(inline.Constraint)
                    ?? throw new InvalidOperationException($"Function {function.Name}: unknown route constraint '{inline.Constraint}' in '{template}'.");
                constraints.Add((parameter.Name!, parameter.IsOptional ? new OptionalRouteConstraint(constraint) : constraint));
            }
        }

        var methods = function.Trigger.List("methods") is { Count: > 0 } listed
            ? listed.Select(m => m.ToUpperInvariant()).ToArray()
            : null;
        return new HttpRoute(function, template, parsed, methods, function.Trigger["authLevel"] ?? "Function", constraints);
    }

    public bool Matches(HttpContext context, RouteValueDictionary values) =>
        _matcher.TryMatch(context.Request.Path, values)
        && _constraints.All(c => c.Constraint.Match(context, null, c.Parameter, values, RouteDirection.IncomingRequest));

    public bool Allows(string method) => Methods is null || Methods.Contains(method.ToUpperInvariant());
}
