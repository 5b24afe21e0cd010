package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/dagview"
	"github.com/deltaplan/deltaplan/workflow"
)

// pictureFlags are --html FILE and --dot FILE of schedule and dag: the
// graph drawn by dagview, written besides the normal output.
type pictureFlags struct{ html, dot string }

func (p *pictureFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&p.html, "html", "", "also write the graph as one self-contained HTML page (inline SVG) to `FILE`")
	c.Flags().StringVar(&p.dot, "dot", "", "also write the graph in Graphviz DOT to `FILE`")
}

// write draws g into the files asked for (none: nothing to do).
func (p *pictureFlags) write(g dagview.Graph) error {
	for _, out := range []struct {
		path string
		draw func(*os.File) error
	}{
		{p.html, func(f *os.File) error { return dagview.HTML(f, g, dagview.Options{}) }},
		{p.dot, func(f *os.File) error { return dagview.DOT(f, g, dagview.Options{}) }},
	} {
		if out.path == "" {
			continue
		}
		f, err := os.Create(out.path)
		if err != nil {
			return fmt.Errorf("write graph: %w", err)
		}
		err = out.draw(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write graph %s: %w", out.path, err)
		}
	}
	return nil
}

// writeSchedule draws a schedule: every node (status "not admitted" for
// those the run does not admit), the reduced edges and the critical path.
func (p *pictureFlags) writeSchedule(s *workflow.Schedule, workflowPath string) error {
	if p.html == "" && p.dot == "" {
		return nil
	}
	return p.write(scheduleGraph(s, workflowPath))
}

func scheduleGraph(s *workflow.Schedule, workflowPath string) dagview.Graph {
	g := dagview.Graph{Title: "deltaplan schedule: " + filepath.Base(workflowPath), Edges: s.ReducedEdges, CriticalPath: s.CriticalPath.Nodes}
	missing := ""
	if s.Summary.Missing > 0 {
		missing = fmt.Sprintf(" (%d never recorded)", s.Summary.Missing)
	}
	g.Summary = fmt.Sprintf("%d of %d nodes admitted, %d stale%s, %d fresh; critical path %d bytes",
		s.Summary.Admitted, s.Summary.Nodes, s.Summary.Stale, missing, s.Summary.Fresh, s.CriticalPath.Bytes)
	if s.RunID != "" {
		g.Summary = "run " + s.RunID + ": " + g.Summary
	}
	for _, n := range s.Nodes {
		dn := dagview.Node{Name: n.Name, Kind: n.Kind.String(), Status: n.Status, Behavior: n.Behavior.String(),
			Bytes: n.Bytes, CacheKey: n.CacheKey}
		if !n.Admitted {
			dn.Status = dagview.StatusNotAdmitted
		}
		if n.Kind.String() == dagview.KindScanUnit {
			dn.Group = "scan:" + n.Table
		}
		if n.Reason != "" {
			dn.Causes = append(dn.Causes, n.Reason)
		}
		dn.Causes = append(dn.Causes, causeLines(n.Causes, "")...)
		if len(n.Causes) == 0 && n.Explain != "" && n.Explain != n.Reason {
			dn.Causes = append(dn.Causes, n.Explain)
		}
		g.Nodes = append(g.Nodes, dn)
	}
	return g
}

// causeLines flattens a cause tree, children indented.
func causeLines(cs []workflow.Cause, indent string) []string {
	var out []string
	for _, c := range cs {
		line := indent + c.Category + ": " + c.Reason
		if c.Dependency != "" && !strings.Contains(c.Reason, c.Dependency) {
			line += " (" + c.Dependency + ")"
		}
		out = append(out, line)
		out = append(out, causeLines(c.Children, indent+"  ")...)
	}
	return out
}

// dagGraph draws `dag` output: no statuses, the reduced edges, the longest
// path as the critical path.
func dagGraph(nodes []string, d dagOutput, path string) dagview.Graph {
	g := dagview.Graph{Title: "deltaplan dag: " + filepath.Base(path), CriticalPath: d.LongestPath.Nodes,
		Summary: fmt.Sprintf("%d nodes, %d edges (%d after transitive reduction); longest path length %d",
			d.Nodes, d.Edges, len(d.TransitiveReduction), d.LongestPath.Length)}
	for _, n := range nodes {
		g.Nodes = append(g.Nodes, dagview.Node{Name: n})
	}
	for _, e := range d.TransitiveReduction {
		g.Edges = append(g.Edges, [2]string{e[0], e[1]})
	}
	return g
}
