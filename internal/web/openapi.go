package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// The OpenAPI 3.1 description of every route (GET /api/v1/openapi.json)
// is built from the router's own routes and the route table's access:
// a route cannot be missing from it. What the API routes take and answer
// is in apiOperations (openapi_operations.go); the schemas are generated
// from the Go types the handlers decode and encode, so they cannot drift
// from them. Pages, static files and probes are described by their
// surface. The web tests validate every request and answer they make
// against it with kin-openapi.

// openAPIVersion is 3.1: kin-openapi validates 3.1 documents with JSON
// Schema 2020-12.
const openAPIVersion = "3.1.0"

// operationDoc describes what an API route takes and answers.
type operationDoc struct {
	summary string
	// query names the query parameters the route takes.
	query []string
	// body is a value of the JSON body's type, or nil for no body; a
	// string is the media type of a body that is not JSON.
	body any
	// status is the success status, answer a value of its JSON type, a
	// string (the media type of an answer that is not JSON), or nil for
	// an answer without a body.
	status int
	answer any
	// also are further success statuses with the same answer.
	also []int
}

// openAPI builds the document for the server's routes.
func (s *Server) openAPI() ([]byte, error) {
	doc := &openapi3.T{
		OpenAPI: openAPIVersion,
		Info: &openapi3.Info{Title: "Aftermath", Version: "1",
			Description: "Incident post-mortems and root causes: the JSON API under /api/v1, the feeds, the probes, and the pages."},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer": {Value: &openapi3.SecurityScheme{Type: "http", Scheme: "bearer", BearerFormat: "aft_…",
					Description: "An API token: Authorization: Bearer aft_…"}},
				"session": {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "cookie", Name: auth.CookieName,
					Description: "A signed-in browser's session (" + auth.SecureCookieName + " over HTTPS)"}},
				"token": {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "query", Name: "token",
					Description: "An API token in the URL, for feed readers, which send no headers"}},
			},
		},
	}
	gen := &generators{answers: newSchemaGenerator(false), requests: newSchemaGenerator(true)}
	errorSchema, err := gen.answers.schema(errorBody{})
	if err != nil {
		return nil, err
	}
	for _, r := range s.router.Routes() {
		access := s.rules[r.Method+" "+r.Path]
		op, err := s.operation(gen, r, access, errorSchema)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
		}
		path := OpenAPIPath(r.Path)
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		item.SetOperation(r.Method, op)
	}
	return json.Marshal(doc)
}

// OpenAPIPath writes a gin route's path in OpenAPI's form: :id and *file
// become {id} and {file}.
func OpenAPIPath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// operation describes one route.
func (s *Server) operation(gen *generators, r gin.RouteInfo, access Access, errorSchema *openapi3.SchemaRef) (*openapi3.Operation, error) {
	key := r.Method + " " + r.Path
	op := &openapi3.Operation{OperationID: operationID(r.Method, r.Path, s.surfaceOf(key)), Responses: openapi3.NewResponses()}
	for _, p := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			op.AddParameter(openapi3.NewPathParameter(p[1:]).WithSchema(openapi3.NewStringSchema()))
		}
	}
	op.Security = security(access, s.surfaceOf(key))
	doc, documented := apiOperations[key]
	switch surface := s.surfaceOf(key); {
	case documented:
		op.Summary = doc.summary
		if err := s.apiOperation(gen, op, doc, errorSchema); err != nil {
			return nil, err
		}
	case surface == pageSurface:
		op.Summary = "A page (HTML)"
		html := openapi3.NewContentWithSchema(nil, []string{"text/html"})
		if media, ok := pageDownloads[key]; ok {
			op.Summary = "A file to download from a page"
			op.AddResponse(http.StatusOK, openapi3.NewResponse().WithDescription("The file").
				WithContent(openapi3.NewContentWithSchema(nil, []string{media})))
		} else if r.Method == http.MethodGet {
			op.AddResponse(http.StatusOK, openapi3.NewResponse().WithDescription("The page").WithContent(html))
		} else {
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithContent(
				openapi3.NewContentWithSchema(nil, []string{"application/x-www-form-urlencoded", "multipart/form-data"}))}
		}
		op.AddResponse(http.StatusSeeOther, openapi3.NewResponse().WithDescription("Where to go next"))
		// A cross-site post is refused before any page is involved, in the
		// error shape.
		failed := openapi3.NewContentWithSchema(nil, []string{"text/html"})
		failed["application/json"] = openapi3.NewMediaType().WithSchemaRef(errorSchema)
		op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription("The page again with what was wrong, an error page, or a cross-site refusal (403, JSON)").WithContent(failed)})
	case surface == staticSurface:
		op.Summary = "A stylesheet, script or image"
		op.AddResponse(http.StatusOK, openapi3.NewResponse().WithDescription("The file").
			WithContent(openapi3.NewContentWithSchema(nil, []string{"*/*"})))
		op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("An error").
			WithContent(openapi3.NewContentWithSchema(nil, []string{"*/*"}))})
	default:
		return nil, fmt.Errorf("an API route without a description in apiOperations")
	}
	return op, nil
}

// pageDownloads are the page routes that answer a file rather than a page,
// with its media type.
var pageDownloads = map[string]string{
	"GET /incidents/:id/postmortem.md": "text/markdown",
}

// apiOperation fills in an API route from its description.
func (s *Server) apiOperation(gen *generators, op *openapi3.Operation, doc operationDoc, errorSchema *openapi3.SchemaRef) error {
	for _, name := range doc.query {
		p := openapi3.NewQueryParameter(name).WithSchema(openapi3.NewStringSchema())
		p.Description = queryParamDescriptions[name]
		op.AddParameter(p)
	}
	switch body := doc.body.(type) {
	case nil:
	case string:
		// Text is a string. A YAML body (a catalogue upload) is a document
		// of its own format, which validators parse: no schema, as for
		// answers that are not JSON; the README describes the format.
		schema := openapi3.NewStringSchema()
		if body == yamlMediaType {
			schema = nil
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
			WithContent(openapi3.NewContentWithSchema(schema, []string{body}))}
	default:
		schema, err := gen.requests.schema(body)
		if err != nil {
			return err
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
			WithContent(openapi3.NewContentWithJSONSchemaRef(schema))}
	}
	ok := openapi3.NewResponse().WithDescription(http.StatusText(doc.status))
	switch answer := doc.answer.(type) {
	case nil:
	case string:
		ok.WithContent(openapi3.NewContentWithSchema(nil, []string{answer}))
	default:
		schema, err := gen.answers.schema(answer)
		if err != nil {
			return err
		}
		ok.WithContent(openapi3.NewContentWithJSONSchemaRef(schema))
	}
	for _, status := range append([]int{doc.status}, doc.also...) {
		op.AddResponse(status, ok)
	}
	op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().
		WithDescription("An error, in the one error shape: 400 malformed, 401 no or bad credentials, 403 role too low or cross-site, 404, 409 stale version, 413, 415, 422 not valid, 429, 500, 503").
		WithContent(openapi3.NewContentWithJSONSchemaRef(errorSchema))})
	return nil
}

// surfaceOf is a route's surface, from the route table.
func (s *Server) surfaceOf(key string) surface { return s.surfaces[key] }

// security is who may call a route, in OpenAPI's terms.
func security(access Access, sf surface) *openapi3.SecurityRequirements {
	reqs := openapi3.NewSecurityRequirements()
	switch {
	case access == AccessOpen:
		// Open: no credentials needed (they are used if sent).
		reqs.With(openapi3.NewSecurityRequirement())
		if sf == feedSurface {
			reqs.With(openapi3.NewSecurityRequirement().Authenticate("bearer"))
		}
	case sf == feedSurface:
		reqs.With(openapi3.NewSecurityRequirement().Authenticate("bearer")).
			With(openapi3.NewSecurityRequirement().Authenticate("token")).
			With(openapi3.NewSecurityRequirement().Authenticate("session"))
	case sf == pageSurface:
		reqs.With(openapi3.NewSecurityRequirement().Authenticate("session"))
	default:
		reqs.With(openapi3.NewSecurityRequirement().Authenticate("bearer")).
			With(openapi3.NewSecurityRequirement().Authenticate("session"))
	}
	return reqs
}

// operationID names an operation by its method and path, without the
// API's /api/v1; a page's name ends in Page, as /incidents the page and
// /api/v1/incidents the list would otherwise share one.
func operationID(method, path string, sf surface) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '.' || r == '-' }) {
		part = strings.TrimLeft(part, ":*")
		if part == "api" || part == "v1" || part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	if sf == pageSurface {
		b.WriteString("Page")
	}
	return b.String()
}

// OpenAPI is the OpenAPI 3.1 description of the server's routes, as
// GET /api/v1/openapi.json answers it.
func (s *Server) OpenAPI() []byte { return s.openAPIDoc }

// serveOpenAPI answers the document, built once.
func (s *Server) serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", s.openAPIDoc)
}

// generators make the schemas of answers and of request bodies. A request
// may send null for any field: encoding/json takes it as the zero value,
// and in a merge patch (PATCH) it removes the field.
type generators struct {
	answers, requests *schemaGenerator
}

// schemaGenerator makes JSON schemas from Go types, in OpenAPI 3.1's
// dialect: a field that may be null takes "null" among its types, and the
// domain's enumerations list their values.
type schemaGenerator struct {
	gen *openapi3gen.Generator
}

// enums are the domain's string types and their values.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[incident.Severity]():         names(incident.Severities),
	reflect.TypeFor[incident.Status]():           names(incident.Statuses),
	reflect.TypeFor[incident.PostmortemStatus](): names(incident.PostmortemStatuses),
	reflect.TypeFor[incident.OutageType]():       names(incident.OutageTypes),
	reflect.TypeFor[incident.DetectionMethod]():  names(incident.DetectionMethods),
	reflect.TypeFor[incident.ActionKind]():       names(incident.ActionKinds),
	reflect.TypeFor[incident.ActionStatus]():     names(incident.ActionStatuses),
	reflect.TypeFor[incident.Role]():             names(incident.Roles),
	reflect.TypeFor[incident.EventType]():        names(incident.EventTypes),
}

func names[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func newSchemaGenerator(nullEverywhere bool) *schemaGenerator {
	return &schemaGenerator{gen: openapi3gen.NewGenerator(openapi3gen.SchemaCustomizer(
		func(_ string, t reflect.Type, tag reflect.StructTag, schema *openapi3.Schema) error {
			if tag.Get("json") == "-" {
				return &openapi3gen.ExcludeSchemaSentinel{}
			}
			if values, ok := enums[t]; ok {
				for _, v := range values {
					schema.Enum = append(schema.Enum, v)
				}
			}
			// A nil map or slice encodes as null, and so does a nil
			// pointer; OpenAPI 3.1 says so with a type array.
			nullable := schema.Nullable || t.Kind() == reflect.Map || nullEverywhere
			if nullable && schema.Type != nil && !schema.Type.Includes("null") {
				types := append(slices.Clone(*schema.Type), "null")
				schema.Type = (*openapi3.Types)(&types)
				if schema.Enum != nil {
					schema.Enum = append(schema.Enum, nil)
				}
			}
			schema.Nullable = false
			if !nullEverywhere && t.Kind() == reflect.Struct && schema.Properties != nil {
				schema.Required = alwaysWritten(t)
			}
			return nil
		}))}
}

// alwaysWritten lists the JSON fields that encoding/json always writes for
// struct type t: those without omitempty.
func alwaysWritten(t reflect.Type) []string {
	var out []string
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Tag.Get("json") == "" {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func (g *schemaGenerator) schema(v any) (*openapi3.SchemaRef, error) {
	return g.gen.NewSchemaRefForValue(v, openapi3.Schemas{})
}
