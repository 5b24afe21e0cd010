package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/kernel"
)

// dagOutput is the `dag --json` document (field names per CONTRACT.md;
// nodes, edges and longest_path.tied are additions).
type dagOutput struct {
	Acyclic             bool              `json:"acyclic"`
	Nodes               int               `json:"nodes"`
	Edges               int               `json:"edges"`
	TransitiveReduction [][2]string       `json:"transitive_reduction"`
	Generations         [][]string        `json:"generations"`
	LexicographicOrder  []string          `json:"lexicographic_order"`
	LongestPath         dagPath           `json:"longest_path"`
	Signature           kernel.Signatures `json:"signature"`
}

type dagPath struct {
	Length int64    `json:"length"`
	Nodes  []string `json:"nodes"`
	Tied   bool     `json:"tied"`
}

// dagCycle is printed with --json when the graph is cyclic (exit 1).
type dagCycle struct {
	Acyclic bool     `json:"acyclic"`
	Cycle   []string `json:"cycle"`
}

func init() {
	register(func() *cobra.Command {
		var (
			nodeLink bool
			pics     pictureFlags
		)
		cmd := &cobra.Command{
			Use:   "dag GRAPH",
			Short: "Analyse a DAG: transitive reduction, generations, order, critical path, signatures",
			Long: `Reads GRAPH ({"nodes": [str], "edges": [[from, to, weight?], ...]}, weight
defaulting to 1; "-" reads stdin) and prints its transitive reduction,
topological generations, lexicographic topological order, weighted longest
path (ties broken by the smallest names) and full and reduced signatures.
A cyclic graph exits 1 and names the nodes of a cycle. --html FILE and
--dot FILE also draw the reduced graph (longest path highlighted).`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runDAG(outputOf(cmd), args[0], nodeLink, &pics)
			},
		}
		cmd.Flags().Bool("json", false, "print one JSON document")
		cmd.Flags().BoolVar(&nodeLink, "node-link", false, "print the graph as rustworkx node-link JSON instead (JSON with or without --json)")
		pics.add(cmd)
		return cmd
	})
}

func readGraph(path string) (*kernel.Graph, error) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read graph %s: %w", path, err)
	}
	g, err := kernel.ParseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("graph %s: %w", path, err)
	}
	return g, nil
}

func runDAG(o output, path string, nodeLink bool, pics *pictureFlags) error {
	g, err := readGraph(path)
	if err != nil {
		return err
	}
	out, err := analyseDAG(g)
	var ce *kernel.CycleError
	if errors.As(err, &ce) {
		if o.JSON() && !nodeLink {
			if werr := writeJSON(o.Writer(), dagCycle{Acyclic: false, Cycle: ce.Nodes}); werr != nil {
				return werr
			}
		}
		return fmt.Errorf("graph %s: %w", path, err)
	}
	if err != nil {
		return fmt.Errorf("graph %s: %w", path, err)
	}
	if pics.html != "" || pics.dot != "" {
		if err := pics.write(dagGraph(g.Names(), out, path)); err != nil {
			return err
		}
	}
	if nodeLink {
		return writeJSON(o.Writer(), g.NodeLink(nil, nil))
	}
	return o.Value(out, func(w io.Writer) error { return printDAG(w, out) })
}

func analyseDAG(g *kernel.Graph) (dagOutput, error) {
	out := dagOutput{Nodes: g.Len(), Edges: g.NumEdges()}
	red, err := g.TransitiveReduction()
	if err != nil {
		return out, err
	}
	out.Acyclic = true
	out.TransitiveReduction = [][2]string{}
	for _, e := range red.Graph.EdgeList() {
		out.TransitiveReduction = append(out.TransitiveReduction, [2]string{e.From, e.To})
	}
	if out.Generations, err = g.Generations(); err != nil {
		return out, err
	}
	if out.Generations == nil {
		out.Generations = [][]string{}
	}
	if out.LexicographicOrder, err = g.LexicographicOrder(); err != nil {
		return out, err
	}
	lp, err := g.LongestPath()
	if err != nil {
		return out, err
	}
	out.LongestPath = dagPath{Length: lp.Length, Nodes: lp.Nodes, Tied: lp.Tied}
	full, err := g.Signature(nil)
	if err != nil {
		return out, err
	}
	reduced, err := red.Graph.Signature(nil)
	if err != nil {
		return out, err
	}
	out.Signature = kernel.Signatures{Full: full, Reduced: reduced}
	return out, nil
}

func printDAG(w io.Writer, d dagOutput) error {
	var b strings.Builder
	fmt.Fprintf(&b, "nodes %d, edges %d, acyclic\n", d.Nodes, d.Edges)
	fmt.Fprintf(&b, "transitive reduction: %d edges (%d removed)\n", len(d.TransitiveReduction), d.Edges-len(d.TransitiveReduction))
	for _, e := range d.TransitiveReduction {
		fmt.Fprintf(&b, "  %s -> %s\n", e[0], e[1])
	}
	fmt.Fprintf(&b, "generations: %d\n", len(d.Generations))
	for i, gen := range d.Generations {
		fmt.Fprintf(&b, "  %d: %s\n", i, strings.Join(gen, " "))
	}
	fmt.Fprintf(&b, "lexicographic order: %s\n", strings.Join(d.LexicographicOrder, " "))
	tie := ""
	if d.LongestPath.Tied {
		tie = " (tied; smallest names chosen)"
	}
	fmt.Fprintf(&b, "longest path: length %d%s: %s\n", d.LongestPath.Length, tie, strings.Join(d.LongestPath.Nodes, " -> "))
	fmt.Fprintf(&b, "signature: full %s\n           reduced %s\n", d.Signature.Full, d.Signature.Reduced)
	_, err := io.WriteString(w, b.String())
	return err
}
