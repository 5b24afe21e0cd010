package kernel

import "strconv"

// NodeLink is a graph in rustworkx's node-link JSON shape (what
// rustworkx.node_link_json writes): node ids are this graph's ids (sorted
// names), links are sorted by (source, target) and numbered in that order,
// and data values are strings as rustworkx requires.
type NodeLink struct {
	Directed   bool              `json:"directed"`
	Multigraph bool              `json:"multigraph"`
	Attrs      map[string]string `json:"attrs"`
	Nodes      []NodeLinkNode    `json:"nodes"`
	Links      []NodeLinkLink    `json:"links"`
}

// NodeLinkNode is one node: data holds "name" and, when given, "signature".
type NodeLinkNode struct {
	ID   int64             `json:"id"`
	Data map[string]string `json:"data"`
}

// NodeLinkLink is one edge: data holds "weight" in decimal.
type NodeLinkLink struct {
	Source int64             `json:"source"`
	Target int64             `json:"target"`
	ID     int64             `json:"id"`
	Data   map[string]string `json:"data"`
}

// NodeLink returns the node-link form; nodeSigs may be nil. attrs become the
// graph attributes (nil gives JSON null, as rustworkx does without any).
// Maps are only ever serialised by encoding/json, which sorts their keys.
func (g *Graph) NodeLink(attrs, nodeSigs map[string]string) NodeLink {
	nl := NodeLink{
		Directed: true,
		Attrs:    attrs,
		Nodes:    make([]NodeLinkNode, len(g.names)),
		Links:    make([]NodeLinkLink, 0, len(g.outTo)),
	}
	for id, name := range g.names {
		data := map[string]string{"name": name}
		if sig, ok := nodeSigs[name]; ok {
			data["signature"] = sig
		}
		nl.Nodes[id] = NodeLinkNode{ID: int64(id), Data: data}
	}
	for u := range g.names {
		for e := g.outStart[u]; e < g.outStart[u+1]; e++ {
			nl.Links = append(nl.Links, NodeLinkLink{
				Source: int64(u), Target: int64(g.outTo[e]), ID: int64(e),
				Data: map[string]string{"weight": strconv.FormatInt(g.outW[e], 10)},
			})
		}
	}
	return nl
}
