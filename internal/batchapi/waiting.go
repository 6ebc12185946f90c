package batchapi

import (
	"encoding/json"
	"strings"

	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/readers"
)

// Waiting is what a row's result needs of its request while it waits
// for a batch: a tenth of a rendered request's memory, for rows that may
// wait by the hundred thousand. Its strings are copies, so they do not
// keep the input's read buffers alive.
type Waiting struct {
	seq            int64
	pos            readers.Position
	id, model      string
	hash           string
	kept           []json.RawMessage // Render's own copies: they share no input buffer
	maxOut, tokens int64
	charge         int64 // what the synchronous tail's pacer admits it for
}

// WaitingFor keeps what req's result will need, with its strings copied.
func WaitingFor(req request.Request) Waiting {
	return Waiting{seq: req.Seq, pos: req.Pos, id: strings.Clone(req.ID), kept: req.Kept,
		model: req.Model, hash: req.Hash, maxOut: req.MaxOut, tokens: req.Tokens, charge: req.Charge}
}

// Request rebuilds the row's request (without its body) for its result.
func (w Waiting) Request(key string) request.Request {
	return request.Request{Seq: w.seq, Pos: w.pos, Key: key, ID: w.id, Kept: w.kept, Model: w.model, Hash: w.hash,
		MaxOut: w.maxOut, Tokens: w.tokens, Charge: w.charge}
}
