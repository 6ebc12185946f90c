package writers

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// orderedGroup is a parquet group node whose fields keep the order they were
// given in. parquet.Group is a map and sorts its fields by name, which would
// scramble our column order; the embedded Group supplies everything but the
// order (and the Go type, see GoType).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

// newOrderedGroup builds a group of the named nodes, in order. Names must be
// distinct (Schema.Columns guarantees it).
func newOrderedGroup(names []string, nodes []parquet.Node) (*orderedGroup, error) {
	g := make(parquet.Group, len(names))
	for i, name := range names {
		if _, dup := g[name]; dup {
			return nil, fmt.Errorf("writers: duplicate parquet column %q", name)
		}
		g[name] = nodes[i]
	}
	byName := make(map[string]parquet.Field, len(names))
	for _, f := range g.Fields() {
		byName[f.Name()] = f
	}
	fields := make([]parquet.Field, len(names))
	for i, name := range names {
		fields[i] = byName[name]
	}
	return &orderedGroup{Group: g, fields: fields}, nil
}

// Fields returns the fields in construction order.
func (g *orderedGroup) Fields() []parquet.Field { return g.fields }

// String prints the schema in our column order.
func (g *orderedGroup) String() string {
	var sb strings.Builder
	_ = parquet.PrintSchema(&sb, "", g)
	return sb.String()
}

// GoType is never needed to write parquet.Rows. The embedded Group's version
// derives a struct type from the field names and panics on names that cannot
// be struct tags (a comma); column names come from user input, so answer
// with a type that holds any row instead.
func (g *orderedGroup) GoType() reflect.Type { return reflect.TypeFor[map[string]any]() }

// parquetNodes returns the node of each column, in Columns order.
func parquetNodes(s Schema) []parquet.Node {
	str := func() parquet.Node { return parquet.Optional(parquet.String()) }
	i64 := func() parquet.Node { return parquet.Required(parquet.Leaf(parquet.Int64Type)) }
	nodes := make([]parquet.Node, 0, 1+len(s.Keep)+len(resultColumns))
	if s.RowNumberID {
		nodes = append(nodes, i64())
	} else if t := s.idType(); t.Known() {
		nodes = append(nodes, keptNode(t)) // optional: a row whose id is missing has none
	} else {
		nodes = append(nodes, parquet.Required(parquet.String()))
	}
	for i := range s.Keep {
		nodes = append(nodes, keptNode(s.keptType(i)))
	}
	if s.Embedding {
		return append(nodes, embeddingNodes()...)
	}
	nodes = append(nodes, str()) // output
	for _, c := range s.Structured {
		nodes = append(nodes, structuredNode(c, true))
	}
	return append(nodes,
		str(), // finish_reason
		str(), // model
		i64(), // prompt_tokens
		i64(), // completion_tokens
		i64(), // cached_tokens
		i64(), // reasoning_tokens
		parquet.Optional(parquet.Leaf(parquet.DoubleType)), // cost_usd
		i64(), // latency_ms
		i64(), // attempts
		str(), // error
		str(), // served_from
	)
}
