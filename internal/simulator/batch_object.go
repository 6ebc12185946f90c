package simulator

import (
	"fmt"
	"net/http"
	"time"
)

// batchObject is OpenAI's batch object, explicit nulls included, with the
// newer model and usage fields.
type batchObject struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Endpoint         string            `json:"endpoint"`
	Model            string            `json:"model"`
	Errors           *batchErrors      `json:"errors"`
	InputFileID      string            `json:"input_file_id"`
	CompletionWindow string            `json:"completion_window"`
	Status           string            `json:"status"`
	OutputFileID     *string           `json:"output_file_id"`
	ErrorFileID      *string           `json:"error_file_id"`
	CreatedAt        int64             `json:"created_at"`
	InProgressAt     *int64            `json:"in_progress_at"`
	ExpiresAt        *int64            `json:"expires_at"`
	FinalizingAt     *int64            `json:"finalizing_at"`
	CompletedAt      *int64            `json:"completed_at"`
	FailedAt         *int64            `json:"failed_at"`
	ExpiredAt        *int64            `json:"expired_at"`
	CancellingAt     *int64            `json:"cancelling_at"`
	CancelledAt      *int64            `json:"cancelled_at"`
	RequestCounts    requestCounts     `json:"request_counts"`
	Usage            batchUsage        `json:"usage"`
	Metadata         map[string]string `json:"metadata"`
}

type batchErrors struct {
	Object string       `json:"object"`
	Data   []batchError `json:"data"`
}

type requestCounts struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

func unixOrNull(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	u := t.Unix()
	return &u
}

func idOrNull(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

// object renders b as seen at now. request_counts follow the answered
// prefix of the execution order: completed counts 200 answers, failed the
// 4xx and 5xx ones; lines expired or cancelled before they ran are in
// total only. While validating, and once failed, the counts are zero.
func (b *batch) object(cfg BatchConfig, now time.Time) batchObject {
	o := batchObject{ID: b.id, Object: "batch", Endpoint: b.endpoint, Model: b.model, InputFileID: b.inputFileID,
		CompletionWindow: "24h", Status: b.status, OutputFileID: idOrNull(b.outputFileID), ErrorFileID: idOrNull(b.errorFileID),
		CreatedAt: b.createdAt.Unix(), InProgressAt: unixOrNull(b.inProgressAt), ExpiresAt: unixOrNull(b.expiresAt),
		FinalizingAt: unixOrNull(b.finalizingAt), CompletedAt: unixOrNull(b.completedAt), FailedAt: unixOrNull(b.failedAt),
		ExpiredAt: unixOrNull(b.expiredAt), CancellingAt: unixOrNull(b.cancellingAt), CancelledAt: unixOrNull(b.cancelledAt),
		Usage: b.usage, Metadata: b.metadata}
	if len(b.errs) > 0 {
		o.Errors = &batchErrors{Object: "list", Data: b.errs}
	}
	if b.status == statusValidating || b.status == statusFailed {
		return o
	}
	if b.materialised {
		o.RequestCounts = b.counts
		return o
	}
	k := b.done
	if !b.terminal() {
		k = b.progress(cfg, now)
	}
	o.RequestCounts.Total = len(b.lines)
	for _, l := range b.lines[:k] {
		if l.outcome == lineOK {
			o.RequestCounts.Completed++
		} else {
			o.RequestCounts.Failed++
		}
	}
	return o
}

// Metadata limits, as the API documents them.
const (
	maxMetadataPairs    = 16
	maxMetadataKeyLen   = 64
	maxMetadataValueLen = 512
)

// checkMetadata validates a create request's metadata: at most 16 pairs of
// strings, keys up to 64 characters, values up to 512.
func checkMetadata(md map[string]any) (map[string]string, *apiError) {
	if md == nil {
		return nil, nil
	}
	if len(md) > maxMetadataPairs {
		return nil, invalid(fmt.Sprintf("Invalid 'metadata': too many properties. Expected an object with at most %d "+
			"properties, but got an object with %d properties instead.", maxMetadataPairs, len(md)), "metadata", "object_above_max_properties")
	}
	out := make(map[string]string, len(md))
	for k, v := range md {
		s, ok := v.(string)
		switch {
		case len(k) > maxMetadataKeyLen:
			return nil, invalid(fmt.Sprintf("Invalid 'metadata': key '%s' is longer than %d characters.", k, maxMetadataKeyLen),
				"metadata", "invalid_value")
		case !ok:
			return nil, typeError("metadata."+k, v, "a string")
		case len(s) > maxMetadataValueLen:
			return nil, invalid(fmt.Sprintf("Invalid 'metadata.%s': string too long. Expected a string with maximum length "+
				"%d, but got a string with length %d instead.", k, maxMetadataValueLen, len(s)), "metadata."+k, "string_above_max_length")
		}
		out[k] = s
	}
	return out, nil
}

func errNoBatch(id string) *apiError {
	return &apiError{status: http.StatusNotFound, Message: "No such Batch object: " + id,
		Type: "invalid_request_error", Param: strp("batch_id")}
}
