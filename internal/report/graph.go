package report

import (
	"slices"

	"gorm.io/gorm"
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

func readGraph(db *gorm.DB) (*serviceGraph, error) {
	g := &serviceGraph{dependsOn: map[string][]string{}, dependents: map[string][]string{}, industries: map[string][]string{}}
	var edges []struct{ ServiceKey, DependsOnKey string }
	if err := db.Table("service_dependencies").Select("service_key, depends_on_key").
		Order("service_key, depends_on_key").Scan(&edges).Error; err != nil {
		return nil, err
	}
	for _, e := range edges {
		g.dependsOn[e.ServiceKey] = append(g.dependsOn[e.ServiceKey], e.DependsOnKey)
		g.dependents[e.DependsOnKey] = append(g.dependents[e.DependsOnKey], e.ServiceKey)
	}
	var inds []struct{ ServiceKey, Industry string }
	if err := db.Table("service_industries").Select("service_key, industry").
		Order("service_key, position").Scan(&inds).Error; err != nil {
		return nil, err
	}
	for _, i := range inds {
		g.industries[i.ServiceKey] = append(g.industries[i.ServiceKey], i.Industry)
	}
	var err error
	g.names, err = serviceNames(db)
	return g, err
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
