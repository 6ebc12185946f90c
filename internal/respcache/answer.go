package respcache

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// Key names one request sent to one place: two requests share a key only
// when their bodies (which name the model) are byte-identical and they go
// to the same endpoint of the same server. It is 32 bytes.
type Key [32]byte

// KeyOf returns the key of a request whose body hashes to requestHash,
// sent to endpoint (the URL path, and query if any, such as
// "/v1/chat/completions") on host (the base URL's host and port). The
// host is part of the key so that a local server's answers never answer
// for OpenAI's.
func KeyOf(host, endpoint, requestHash string) Key {
	h := sha256.New()
	// NUL cannot occur in a host, a path or a hex hash: the parts cannot
	// run into each other.
	h.Write([]byte(host + "\x00" + endpoint + "\x00" + requestHash))
	var k Key
	h.Sum(k[:0])
	return k
}

// Answer is a successful answer as the cache keeps it.
type Answer struct {
	Model        string // the model that answered, as it named itself
	Output       string
	FinishReason string

	PromptTokens, CompletionTokens, CachedTokens, ReasoningTokens int64

	RequestID string // the x-request-id of the answer that was paid for
	// Body is the raw response, kept only when the job that paid for it
	// kept it (the openai-batch output needs it); nil otherwise.
	Body []byte
	// Stored is when the answer was stored, to the second.
	Stored time.Time
}

// getChunk bounds the keys bound in one statement.
const getChunk = 500

// Get returns the stored answers among keys; keys with none are absent.
// Cost: one indexed query per 500 keys, plus reading each answer found.
func (c *Cache) Get(ctx context.Context, keys []Key) (map[Key]Answer, error) {
	out := make(map[Key]Answer, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), getChunk)
		if err := c.getChunk(ctx, keys[:n], out); err != nil {
			return nil, fmt.Errorf("response cache %s: look up: %w", c.path, err)
		}
		keys = keys[n:]
	}
	return out, nil
}

func (c *Cache) getChunk(ctx context.Context, keys []Key, out map[Key]Answer) error {
	args := make([]any, len(keys))
	for i := range keys {
		args[i] = keys[i][:]
	}
	rows, err := c.r.QueryContext(ctx, `SELECT key, stored, model, output, finish_reason, prompt_tokens,
	completion_tokens, cached_tokens, reasoning_tokens, request_id, body FROM answers WHERE key IN (?`+
		strings.Repeat(",?", len(keys)-1)+")", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			a      Answer
			key    []byte
			stored int64
		)
		if err := rows.Scan(&key, &stored, &a.Model, &a.Output, &a.FinishReason, &a.PromptTokens,
			&a.CompletionTokens, &a.CachedTokens, &a.ReasoningTokens, &a.RequestID, &a.Body); err != nil {
			return err
		}
		if len(key) != len(Key{}) {
			return fmt.Errorf("a key of %d bytes", len(key))
		}
		a.Stored = time.Unix(stored, 0).UTC()
		out[Key(key)] = a
	}
	return rows.Err()
}

// Entry is one answer to store under its key.
type Entry struct {
	Key    Key
	Answer Answer
}

// Put stores entries in one transaction, replacing what was stored under
// the same keys (the same request's newer answer). It waits up to 30 s for
// another process's write lock. Cost: one transaction, one statement per
// entry; batch entries (see Writer) rather than calling it per answer.
func (c *Cache) Put(ctx context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("response cache %s: store: %w", c.path, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO answers (key, stored, model, output, finish_reason,
	prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, request_id, body)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("response cache %s: store: %w", c.path, err)
	}
	defer stmt.Close()
	for _, e := range entries {
		a := e.Answer
		var body any
		if a.Body != nil {
			body = a.Body
		}
		if _, err := stmt.ExecContext(ctx, e.Key[:], a.Stored.Unix(), a.Model, a.Output, a.FinishReason,
			a.PromptTokens, a.CompletionTokens, a.CachedTokens, a.ReasoningTokens, a.RequestID, body); err != nil {
			return fmt.Errorf("response cache %s: store: %w", c.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("response cache %s: store: %w", c.path, err)
	}
	return nil
}
