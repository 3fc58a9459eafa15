package catalog

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// A Backstage descriptor file (catalog-info.yaml) holds one or more
// entities, each a YAML document:
//
//	apiVersion: backstage.io/v1alpha1
//	kind: Component
//	metadata: {name: artist-web, namespace: default, title: …, description: …,
//	           tags: […], annotations: {…}}
//	spec: {type: website, lifecycle: production, owner: team-a,
//	       system: artist-portal, dependsOn: [resource:artists-db],
//	       dependencyOf: [component:default/artist-lookup]}
//
// Components and Resources become services; a System becomes the system of
// the components that name it. Other kinds (API, Group, User, Domain,
// Location, Template, …) are not services: they are passed over with a
// note. Only the fields read here matter; the many others Backstage knows
// (links, labels, providesApis, …) are ignored, not refused.
type entity struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Title       string            `yaml:"title"`
		Description string            `yaml:"description"`
		Tags        []string          `yaml:"tags"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		Type         string   `yaml:"type"`
		Lifecycle    string   `yaml:"lifecycle"`
		Owner        string   `yaml:"owner"`
		System       string   `yaml:"system"`
		DependsOn    []string `yaml:"dependsOn"`
		DependencyOf []string `yaml:"dependencyOf"`
	} `yaml:"spec"`
}

// EntityRef is a Backstage entity reference, "[kind:][namespace/]name",
// with its parts; Kind is lower case and empty when the reference leaves
// it out, Namespace "default" when it does.
type EntityRef struct {
	Kind, Namespace, Name string
}

// ParseEntityRef reads an entity reference as Backstage writes them:
// "resource:payments-db", "component:default/fraud-check", "default/x",
// "x". Kinds are case-insensitive.
func ParseEntityRef(ref string) (EntityRef, error) {
	given := strings.TrimSpace(ref)
	ref = given
	var r EntityRef
	if i := strings.IndexByte(ref, ':'); i >= 0 {
		r.Kind, ref = strings.ToLower(strings.TrimSpace(ref[:i])), ref[i+1:]
		if r.Kind == "" {
			return r, fmt.Errorf("%q has an empty kind before the colon", given)
		}
	}
	r.Namespace, r.Name = "default", ref
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		r.Namespace, r.Name = ref[:i], ref[i+1:]
	}
	if r.Name == "" || r.Namespace == "" || strings.ContainsAny(r.Name, "/:") {
		return r, fmt.Errorf("%q is not an entity reference ([kind:][namespace/]name)", given)
	}
	return r, nil
}

// short writes the reference as Backstage's pages show it: without the
// default namespace, and without the kind when it is the one expected
// (group for an owner, system for a system).
func (r EntityRef) short(expectedKind string) string {
	name := r.Name
	if r.Namespace != "default" {
		name = r.Namespace + "/" + name
	}
	if r.Kind != "" && r.Kind != expectedKind {
		name = r.Kind + ":" + name
	}
	return name
}

// serviceKinds are the entity kinds that become services.
var serviceKinds = []string{"component", "resource"}

// parseBackstage reads a Backstage descriptor file into a catalogue.
func parseBackstage(data []byte) (cat *incident.Catalog, err error) {
	// The YAML library has panicked on malformed input in the past; such
	// a file is malformed, not a reason to stop the server.
	defer func() {
		if r := recover(); r != nil {
			cat, err = nil, incident.Errorf(incident.EMALFORMED, "the file cannot be read as YAML")
		}
	}()
	b := newBuilder()
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	for doc := 1; ; doc++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, incident.Errorf(incident.EMALFORMED, "document %d: %s", doc, yamlMessage(err))
		}
		if empty(&node) {
			continue
		}
		var e entity
		if err := node.Decode(&e); err != nil {
			return nil, incident.Errorf(incident.EMALFORMED, "document %d: %s", doc, yamlMessage(err))
		}
		if err := b.add(doc, &e); err != nil {
			return nil, err
		}
	}
	return b.catalog(), nil
}

// empty reports whether a document holds nothing (a stray "---").
func empty(n *yaml.Node) bool {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return n.Kind == 0 || n.Kind == yaml.DocumentNode && len(n.Content) == 0 ||
		n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// yamlMessage is the library's message without its "yaml: " prefix and
// Go type names.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = strings.NewReplacer("[]string", "a list", "map[string]string", "a mapping",
				"!!seq", "a list", "!!map", "a mapping", "!!str", "text", "into string", "into text",
				"cannot unmarshal", "cannot read").Replace(m)
		}
		return strings.Join(msgs, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// builder gathers a file's entities into services, merging what several
// entities say about one service (a resource named in another's
// dependencyOf, the same name in two namespaces).
type builder struct {
	services []incident.CatalogService
	index    map[string]int // by service key
	notes    []string
}

func newBuilder() *builder { return &builder{index: map[string]int{}} }

// service returns the catalogue entry for a service name, adding it.
func (b *builder) service(name string) *incident.CatalogService {
	key := incident.ServiceKey(name)
	if i, ok := b.index[key]; ok {
		return &b.services[i]
	}
	b.index[key] = len(b.services)
	b.services = append(b.services, incident.CatalogService{Service: incident.Service{Name: name}})
	return &b.services[len(b.services)-1]
}

func (b *builder) add(doc int, e *entity) error {
	kind := strings.ToLower(strings.TrimSpace(e.Kind))
	name := strings.TrimSpace(e.Metadata.Name)
	where := fmt.Sprintf("document %d", doc)
	switch {
	case e.APIVersion == "" || kind == "":
		return incident.Errorf(incident.EMALFORMED, "%s: not a Backstage entity: apiVersion and kind are required", where)
	case name == "":
		return incident.Errorf(incident.EMALFORMED, "%s: %s has no metadata.name", where, e.Kind)
	case kind == "system":
		return nil // its components name it (spec.system)
	case !slices.Contains(serviceKinds, kind):
		b.notes = append(b.notes, fmt.Sprintf("%s: %s %s is not a service (only Components and Resources are); passed over", where, e.Kind, name))
		return nil
	case incident.ServiceKey(name) == "":
		return incident.Errorf(incident.EMALFORMED, "%s: %s %q has no letter or digit to name a service by", where, e.Kind, name)
	}
	if ns := strings.TrimSpace(e.Metadata.Namespace); ns != "" && ns != "default" {
		b.notes = append(b.notes, fmt.Sprintf("%s: %s %s/%s is service %s (services are told apart by name, not namespace)", where, e.Kind, ns, name, incident.ServiceKey(name)))
	}
	svc := b.service(name)
	if svc.Kind == "" {
		// Named before as another's dependency; its own entity spells it.
		svc.Name = name
	}
	// metadata.title is a display name; it is the service's name when it
	// is a spelling of the same one (the key must come from the name).
	if title := strings.TrimSpace(e.Metadata.Title); title != "" && incident.ServiceKey(title) == incident.ServiceKey(name) {
		svc.Name = title
	}
	info := incident.ServiceInfo{Kind: kind, Type: e.Spec.Type, Description: e.Metadata.Description,
		Lifecycle: e.Spec.Lifecycle, Tags: e.Metadata.Tags}
	for k, v := range e.Metadata.Annotations {
		info.Annotations = append(info.Annotations, incident.Annotation{Key: k, Value: v})
	}
	var err error
	if info.Owner, err = b.refField(where, "spec.owner", e.Spec.Owner, "group"); err != nil {
		return err
	}
	if info.System, err = b.refField(where, "spec.system", e.Spec.System, "system"); err != nil {
		return err
	}
	svc.ServiceInfo = svc.ServiceInfo.Merge(info)
	for i, ref := range e.Spec.DependsOn {
		dep, ok, err := b.serviceRef(where, fmt.Sprintf("spec.dependsOn[%d]", i), ref)
		if err != nil {
			return err
		}
		if ok && !slices.Contains(svc.DependsOn, dep) && incident.ServiceKey(dep) != incident.ServiceKey(svc.Name) {
			svc.DependsOn = append(svc.DependsOn, dep)
		}
	}
	self := svc.Name
	for i, ref := range e.Spec.DependencyOf {
		dependent, ok, err := b.serviceRef(where, fmt.Sprintf("spec.dependencyOf[%d]", i), ref)
		if err != nil {
			return err
		}
		if ok && incident.ServiceKey(dependent) != incident.ServiceKey(self) {
			d := b.service(dependent)
			if !slices.Contains(d.DependsOn, self) {
				d.DependsOn = append(d.DependsOn, self)
			}
		}
	}
	return nil
}

// refField reads an owner or system reference as the name shown for it.
func (b *builder) refField(where, field, ref, expectedKind string) (string, error) {
	if strings.TrimSpace(ref) == "" {
		return "", nil
	}
	r, err := ParseEntityRef(ref)
	if err != nil {
		return "", incident.Errorf(incident.EMALFORMED, "%s: %s: %v", where, field, err)
	}
	return r.short(expectedKind), nil
}

// serviceRef reads a dependency: the name of the service it names, or
// false (with a note) when it names an entity that is not a service.
func (b *builder) serviceRef(where, field, ref string) (string, bool, error) {
	r, err := ParseEntityRef(ref)
	if err != nil {
		return "", false, incident.Errorf(incident.EMALFORMED, "%s: %s: %v", where, field, err)
	}
	if r.Kind != "" && !slices.Contains(serviceKinds, r.Kind) {
		b.notes = append(b.notes, fmt.Sprintf("%s: %s %s names a %s, not a service; passed over", where, field, ref, r.Kind))
		return "", false, nil
	}
	if incident.ServiceKey(r.Name) == "" {
		return "", false, incident.Errorf(incident.EMALFORMED, "%s: %s: %q has no letter or digit to name a service by", where, field, ref)
	}
	return r.Name, true, nil
}

func (b *builder) catalog() *incident.Catalog {
	return &incident.Catalog{Services: b.services, Notes: b.notes}
}
