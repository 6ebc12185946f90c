package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// review is one generated input row. The text varies with the row so that
// prompts, and the simulator's answers, differ.
type review struct {
	ID      string `parquet:"id,zstd"`
	Product string `parquet:"product,zstd,dict"`
	Rating  int64  `parquet:"rating,zstd"`
	Review  string `parquet:"review,zstd"`
}

var products = []string{"kettle", "toaster", "blender", "lamp", "chair", "desk", "headphones", "backpack"}

var words = strings.Fields("the product arrived on time and works well but the handle feels cheap " +
	"battery life is great sound is clear would buy again not worth the price returned it after a week")

func makeReview(i int) review {
	var b strings.Builder
	n := 12 + i%17
	for k := 0; k < n; k++ {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[(i*7+k*13)%len(words)])
	}
	return review{
		ID:      "r" + strconv.Itoa(i),
		Product: products[i%len(products)],
		Rating:  int64(1 + i%5),
		Review:  b.String(),
	}
}

// generate writes n rows in format to path.
func generate(path, format string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	switch format {
	case "csv", "tsv":
		sep := ","
		if format == "tsv" {
			sep = "\t"
		}
		fmt.Fprintf(w, "id%sproduct%srating%sreview\n", sep, sep, sep)
		for i := range n {
			r := makeReview(i)
			fmt.Fprintf(w, "%s%s%s%s%d%s%s\n", r.ID, sep, r.Product, sep, r.Rating, sep, r.Review)
		}
	case "jsonl":
		enc := json.NewEncoder(w)
		for i := range n {
			r := makeReview(i)
			if err := enc.Encode(map[string]any{"id": r.ID, "product": r.Product, "rating": r.Rating, "review": r.Review}); err != nil {
				return err
			}
		}
	case "parquet":
		pw := parquet.NewGenericWriter[review](w, parquet.MaxRowsPerRowGroup(50_000))
		batch := make([]review, 0, 1024)
		for i := range n {
			batch = append(batch, makeReview(i))
			if len(batch) == cap(batch) || i == n-1 {
				if _, err := pw.Write(batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if err := pw.Close(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
