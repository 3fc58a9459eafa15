package report

import (
	"maps"
	"slices"
)

// ServiceLink is a service reached through dependencies: Depth 1 is a
// direct relation; Path lists the keys from the first hop to this service.
type ServiceLink struct {
	Key   string   `json:"key"`
	Name  string   `json:"name"`
	Depth int      `json:"depth"`
	Path  []string `json:"path"`
}

// IndustryLink is an industry or business function hit when the service
// fails, and the services through which (the service itself or its
// dependents, by key).
type IndustryLink struct {
	Industry string   `json:"industry"`
	Via      []string `json:"via"`
}

// serviceGraph is every dependency edge, both ways, with names and
// industries. It is small (one row per service and edge), so it is read
// whole.
type serviceGraph struct {
	dependsOn  map[string][]string
	dependents map[string][]string
	names      map[string]string
	industries map[string][]string
}

func newGraph(c *Catalogue) *serviceGraph {
	g := &serviceGraph{dependsOn: c.DependsOn, dependents: map[string][]string{}, names: c.Names, industries: c.Industries}
	keys := slices.Sorted(maps.Keys(c.DependsOn))
	for _, from := range keys {
		for _, to := range c.DependsOn[from] {
			g.dependents[to] = append(g.dependents[to], from)
		}
	}
	return g
}

// neighbours lists a service's direct dependencies and dependents, each
// once, sorted.
func (g *serviceGraph) neighbours(key string) []string {
	out := slices.Concat(g.dependsOn[key], g.dependents[key])
	slices.Sort(out)
	return slices.Compact(out)
}

// reach walks edges breadth first from key and lists every service
// reached, nearest first, with the shortest path to it. A service is
// visited once, so cycles (a depends on b depends on a) end the walk
// instead of looping, and the start never lists itself.
func (g *serviceGraph) reach(key string, edges map[string][]string) []ServiceLink {
	out := []ServiceLink{}
	path := map[string][]string{key: {}}
	queue := []string{key}
	for len(queue) > 0 {
		from := queue[0]
		queue = queue[1:]
		for _, to := range edges[from] {
			if _, seen := path[to]; seen {
				continue
			}
			p := append(slices.Clone(path[from]), to)
			path[to] = p
			queue = append(queue, to)
			out = append(out, ServiceLink{Key: to, Name: g.names[to], Depth: len(p), Path: p})
		}
	}
	return out
}

// industriesHit lists the industries of the service and of every service
// that depends on it, directly or not, each with the services it comes
// through, in order of first appearance.
func (g *serviceGraph) industriesHit(key string, dependents []ServiceLink) []IndustryLink {
	out := []IndustryLink{}
	index := map[string]int{}
	add := func(service string) {
		for _, ind := range g.industries[service] {
			k, ok := index[ind]
			if !ok {
				k = len(out)
				index[ind] = k
				out = append(out, IndustryLink{Industry: ind})
			}
			out[k].Via = append(out[k].Via, service)
		}
	}
	add(key)
	for _, d := range dependents {
		add(d.Key)
	}
	return out
}
