package checkpoint

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// The rows table stores three of a row's strings in a compact form when
// they have the shape a run gives them, and as written otherwise. Every
// form decodes to exactly the string that was committed; the columns are
// declared BLOB so SQLite keeps each value's type as bound.

// encodeHash stores a lowercase hex request hash (what the pipeline makes)
// as its bytes, half the size; anything else is stored as text.
func encodeHash(h string) any {
	if h == "" || len(h)%2 != 0 || strings.ContainsFunc(h, func(r rune) bool {
		return (r < '0' || r > '9') && (r < 'a' || r > 'f')
	}) {
		return h
	}
	b, _ := hex.DecodeString(h) // cannot fail: checked above
	return b
}

// decodeHash reverses encodeHash for a value scanned into any.
func decodeHash(v any) (string, error) {
	switch v := v.(type) {
	case []byte:
		return hex.EncodeToString(v), nil
	case string:
		return v, nil
	}
	return "", fmt.Errorf("request hash stored as %T", v)
}

// encodeID stores an ID that ends key (the pipeline's key is "id:" and the
// ID) as the byte offset where it starts in key, instead of a second copy.
func encodeID(key, id string) any {
	if id != "" && strings.HasSuffix(key, id) {
		return int64(len(key) - len(id))
	}
	return id
}

// decodeID reverses encodeID.
func decodeID(key string, v any) (string, error) {
	switch v := v.(type) {
	case int64:
		if v < 0 || v > int64(len(key)) {
			return "", fmt.Errorf("id offset %d outside key of %d bytes", v, len(key))
		}
		return key[v:], nil
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("id stored as %T", v)
}

// maxLineDigits keeps a line number within int64 whatever its digits.
const maxLineDigits = 18

// splitPosition splits "file:line" into the file, stored once in the names
// table, and the line as an integer; ok is false for any other shape
// (no colon, no digits, a sign, leading zeros, too many digits), which is
// then stored whole. Only canonical decimals split, so joinPosition gives
// back the same bytes.
func splitPosition(pos string) (file string, line int64, ok bool) {
	i := strings.LastIndexByte(pos, ':')
	if i < 0 {
		return "", 0, false
	}
	digits := pos[i+1:]
	if digits == "" || len(digits) > maxLineDigits || (digits[0] == '0' && digits != "0") {
		return "", 0, false
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return "", 0, false
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return pos[:i], n, true
}

// decodePosition rebuilds a position from the position column and, when
// it was split, the file's name (valid) from the names table.
func decodePosition(v any, file string, split bool) (string, error) {
	switch v := v.(type) {
	case int64:
		if !split {
			return "", fmt.Errorf("position line %d without a file", v)
		}
		return file + ":" + strconv.FormatInt(v, 10), nil
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("position stored as %T", v)
}
