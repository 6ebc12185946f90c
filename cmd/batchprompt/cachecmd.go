package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/batchprompt/batchprompt/pipeline/state"
)

const cacheLong = `cache inspects and trims a response cache (the file given to run with --cache,
job key cache, or BATCHPROMPT_CACHE). Jobs may use the cache meanwhile.

  stats   entries, size, the oldest and newest answers, entries per model
  prune   delete the answers stored more than --older-than ago (e.g. 30d, 12h)`

// newCacheCmd is `batchprompt cache stats|prune [PATH]`.
func newCacheCmd(env Env, stdout io.Writer) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "cache stats|prune [PATH]",
		Short: "Show or trim the response cache shared across jobs",
		Long:  cacheLong,
		Example: "  batchprompt cache stats answers.cache.db\n" +
			"  BATCHPROMPT_CACHE=answers.cache.db batchprompt cache prune --older-than 30d",
	}
	cmd.PersistentFlags().StringVar(&path, "cache", "", "the response cache file; default: BATCHPROMPT_CACHE")
	where := func(pos []string) (string, error) {
		switch {
		case len(pos) == 1:
			return pos[0], nil
		case path != "":
			return path, nil
		}
		if p, ok := env.Lookup("BATCHPROMPT_CACHE"); ok && p != "" {
			return p, nil
		}
		return "", &usageError{errors.New("which cache? give its path, --cache PATH or BATCHPROMPT_CACHE")}
	}
	stats := &cobra.Command{
		Use:   "stats [PATH]",
		Short: "Entries, size, the oldest and newest answers, entries per model",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			p, err := where(pos)
			if err != nil {
				return err
			}
			s, err := state.CacheStats(cmd.Context(), p)
			if err != nil {
				return err
			}
			printCacheStats(stdout, p, s)
			return nil
		},
	}
	var olderThan string
	prune := &cobra.Command{
		Use:   "prune --older-than AGE [PATH]",
		Short: "Delete the answers stored more than AGE ago",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			p, err := where(pos)
			if err != nil {
				return err
			}
			age, err := parseAge(olderThan)
			if err != nil {
				return &usageError{fmt.Errorf("--older-than %q: %w", olderThan, err)}
			}
			n, err := state.PruneCache(cmd.Context(), p, time.Now().Add(-age))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: deleted %d answers stored before %s\n", p, n, time.Now().Add(-age).UTC().Format(time.DateTime))
			return nil
		},
	}
	prune.Flags().StringVar(&olderThan, "older-than", "", "age of the answers to delete: 30d, 2w, 12h, 90m")
	_ = prune.MarkFlagRequired("older-than")
	cmd.AddCommand(stats, prune)
	return cmd
}

func printCacheStats(w io.Writer, path string, s state.CacheFigures) {
	fmt.Fprintf(w, "cache:   %s\n", path)
	fmt.Fprintf(w, "entries: %d (%s of answers, file %s)\n", s.Entries, mib(s.Bytes), mib(s.FileBytes))
	if s.Entries > 0 {
		fmt.Fprintf(w, "oldest:  %s\nnewest:  %s\n", s.Oldest.Format(time.DateTime), s.Newest.Format(time.DateTime))
	}
	models := make([]string, 0, len(s.Models))
	for m := range s.Models {
		models = append(models, m)
	}
	sort.Strings(models)
	for _, m := range models {
		fmt.Fprintf(w, "  %-30s %d\n", m, s.Models[m])
	}
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// parseAge reads an age as a Go duration (12h, 90m) or in days or weeks
// (30d, 2w), which time.ParseDuration does not know.
func parseAge(s string) (time.Duration, error) {
	unit := map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour}
	if n := len(s); n > 1 && unit[s[n-1:]] > 0 {
		v, err := strconv.ParseFloat(strings.TrimSpace(s[:n-1]), 64)
		if err != nil || v < 0 {
			return 0, errors.New("want a positive number of days (30d) or weeks (2w), or a duration (12h)")
		}
		return time.Duration(v * float64(unit[s[n-1:]])), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("want a positive number of days (30d) or weeks (2w), or a duration (12h)")
	}
	return d, nil
}
