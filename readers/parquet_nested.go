package readers

import (
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/batchprompt/batchprompt/internal/coltype"
)

// errLevels reports repetition or definition levels that do not fit the
// schema: a corrupt file.
var errLevels = errors.New("column values do not match the schema's nesting (corrupt levels)")

// nodeKind is the shape a schema node is rendered as.
type nodeKind uint8

const (
	nLeaf   nodeKind = iota
	nStruct          // a group: a JSON object, fields in schema order
	nList            // a LIST-annotated group: a JSON array
	nMap             // a MAP-annotated group: a JSON object
)

// pqNode is one node of the file's schema with what assembling its values
// needs: levels, the leaf columns beneath it, and how to render it.
type pqNode struct {
	name     string
	kind     nodeKind
	optional bool
	repeated bool
	maxDef   int
	maxRep   int
	leaf     int // column index of this leaf, or of the first leaf below a group
	nLeaves  int // leaf columns at or below this node
	conv     leafConv
	ltype    coltype.Type // a leaf's column type, for outputs that keep it
	children []*pqNode
	// For nList: whether each element is the repeated child itself (legacy
	// two-level lists, or repeated groups of several fields) rather than
	// its only child (the standard three-level list).
	elemIsRepeated bool
}

// buildNode converts a parquet-go column to a pqNode, recursively.
func buildNode(c *parquet.Column) (*pqNode, error) {
	n := &pqNode{
		name:     c.Name(),
		optional: c.Optional(),
		repeated: c.Repeated(),
		maxDef:   c.MaxDefinitionLevel(),
		maxRep:   c.MaxRepetitionLevel(),
	}
	if c.Leaf() {
		n.kind, n.leaf, n.nLeaves = nLeaf, c.Index(), 1
		n.conv = planLeaf(c.Type())
		n.ltype = leafType(n.conv, c.Type())
		return n, nil
	}
	cols := c.Columns()
	if len(cols) == 0 {
		return nil, fmt.Errorf("group %q has no fields", c.Name())
	}
	for _, cc := range cols {
		child, err := buildNode(cc)
		if err != nil {
			return nil, err
		}
		n.children = append(n.children, child)
		n.nLeaves += child.nLeaves
	}
	n.leaf = n.children[0].leaf
	n.kind = nStruct
	var lt *format.LogicalType
	if t := c.Type(); t != nil {
		lt = t.LogicalType()
	}
	if lt == nil {
		return n, nil
	}
	switch lt.Value.(type) {
	case *format.ListType:
		// The spec's backward-compatibility rules for lists: the LIST group
		// has one repeated child; the element is that child when it is a
		// leaf, has several fields, or is named "array" or "<list>_tuple";
		// otherwise the element is the child's only field.
		if len(n.children) == 1 && n.children[0].repeated {
			r := n.children[0]
			n.kind = nList
			n.elemIsRepeated = r.kind == nLeaf || len(r.children) != 1 ||
				r.name == "array" || r.name == n.name+"_tuple"
		}
	case *format.MapType:
		if len(n.children) == 1 && n.children[0].repeated && len(n.children[0].children) == 2 {
			n.kind = nMap
		}
	}
	return n, nil
}

// assembler rebuilds one row's nested values from its leaf columns'
// values and levels (the Dremel record assembly), as JSON.
type assembler struct {
	vals [][]parquet.Value // per leaf column, this row's values
	pos  []int             // per leaf column, the next value to consume
	err  error
}

// reset points the assembler at a row, whose values parquet-go returns
// sorted by column index.
func (a *assembler) reset(row parquet.Row, nLeaves int) error {
	if cap(a.vals) < nLeaves {
		a.vals = make([][]parquet.Value, nLeaves)
		a.pos = make([]int, nLeaves)
	}
	a.vals, a.pos = a.vals[:nLeaves], a.pos[:nLeaves]
	for i := range a.vals {
		a.vals[i], a.pos[i] = nil, 0
	}
	a.err = nil
	start := 0
	for i := 1; i <= len(row); i++ {
		if i < len(row) && row[i].Column() == row[start].Column() {
			continue
		}
		col := row[start].Column()
		if col < 0 || col >= nLeaves || a.vals[col] != nil {
			return errLevels
		}
		a.vals[col] = row[start:i]
		start = i
	}
	for _, v := range a.vals {
		if len(v) == 0 {
			return errLevels
		}
	}
	return nil
}

// peek returns the next value of leaf column col without consuming it.
func (a *assembler) peek(col int) (parquet.Value, bool) {
	if p := a.pos[col]; p < len(a.vals[col]) {
		return a.vals[col][p], true
	}
	return parquet.Value{}, false
}

// defined reports whether n is present at the current position, judged
// by the definition level of its first leaf's next value.
func (a *assembler) defined(n *pqNode) bool {
	v, ok := a.peek(n.leaf)
	if !ok {
		a.err = errLevels
		return false
	}
	return v.DefinitionLevel() >= n.maxDef
}

// skip consumes the one value each leaf under n holds for an absent n.
func (a *assembler) skip(n *pqNode) {
	for col := n.leaf; col < n.leaf+n.nLeaves; col++ {
		if a.pos[col] >= len(a.vals[col]) {
			a.err = errLevels
			return
		}
		a.pos[col]++
	}
}

// repeats reports whether the next value of n's first leaf continues the
// list that n (a repeated node) belongs to.
func (a *assembler) repeats(n *pqNode) bool {
	v, ok := a.peek(n.leaf)
	return ok && v.RepetitionLevel() == n.maxRep
}

// field appends n's value as JSON, consuming its values, honouring n's own
// repetition (an array) and optionality (null).
func (a *assembler) field(b []byte, n *pqNode) []byte {
	if a.err != nil {
		return b
	}
	if n.repeated {
		return a.list(b, n, a.value)
	}
	if n.optional && !a.defined(n) {
		a.skip(n)
		return append(b, "null"...)
	}
	return a.value(b, n)
}

// list appends the elements of repeated node r as a JSON array, each
// rendered by elem.
func (a *assembler) list(b []byte, r *pqNode, elem func([]byte, *pqNode) []byte) []byte {
	if !a.defined(r) {
		a.skip(r)
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for first := true; a.err == nil; first = false {
		if !first {
			b = append(b, ',')
		}
		b = elem(b, r)
		if !a.repeats(r) {
			break
		}
	}
	return append(b, ']')
}

// value appends n's value as JSON, ignoring n's own repetition: one
// element of a repeated node.
func (a *assembler) value(b []byte, n *pqNode) []byte {
	if a.err != nil {
		return b
	}
	switch n.kind {
	case nLeaf:
		p := a.pos[n.leaf]
		if p >= len(a.vals[n.leaf]) {
			a.err = errLevels
			return b
		}
		v := a.vals[n.leaf][p]
		a.pos[n.leaf]++
		if v.IsNull() || v.DefinitionLevel() < n.maxDef {
			return append(b, "null"...)
		}
		return n.conv.appendText(b, v, true)
	case nList:
		r := n.children[0]
		if n.elemIsRepeated {
			return a.list(b, r, a.value)
		}
		return a.list(b, r, func(b []byte, r *pqNode) []byte { return a.field(b, r.children[0]) })
	case nMap:
		r := n.children[0]
		if !a.defined(r) {
			a.skip(r)
			return append(b, "{}"...)
		}
		b = append(b, '{')
		for first := true; a.err == nil; first = false {
			if !first {
				b = append(b, ',')
			}
			start := len(b)
			b = a.field(b, r.children[0])
			if start == len(b) || b[start] != '"' {
				// JSON keys are strings: quote a number or boolean key.
				key := string(b[start:])
				b = appendJSONString(b[:start], []byte(key))
			}
			b = append(b, ':')
			b = a.field(b, r.children[1])
			if !a.repeats(r) {
				break
			}
		}
		return append(b, '}')
	}
	b = append(b, '{')
	for i, c := range n.children {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, []byte(c.name))
		b = append(b, ':')
		b = a.field(b, c)
	}
	return append(b, '}')
}
