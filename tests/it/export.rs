//! Exports: files that open cleanly elsewhere, written atomically.

use std::fs::File;
use std::path::PathBuf;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, TimeUnit, TimestampMillisecondType};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

use crate::harness::cove;

const SQL: &str = "SELECT account_id, instance_id, instance_type, state_code, ebs_optimized, launch_time, tags \
                   FROM aws_ec2_instance ORDER BY instance_id";

/// A file in a directory of the test's own, so `leftovers` sees only that test's files.
fn scratch(test: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cove-export-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn leftovers(path: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".cove-"))
        .collect()
}

#[test]
fn parquet_csv_and_json_hold_the_same_answer_with_types() {
    let scratch = |name| scratch("formats", name);
    let (parquet, csv_path, json_path) = (scratch("i.parquet"), scratch("i.csv"), scratch("i.json"));
    for path in [&parquet, &csv_path, &json_path] {
        cove(&["--org", "query", SQL, "--out", path.to_str().unwrap()]).assert_ok();
    }

    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&parquet).unwrap()).unwrap().build().unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let schema = batches[0].schema();
    let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
    assert_eq!(
        types,
        [
            &DataType::Utf8,
            &DataType::Utf8,
            &DataType::Utf8,
            &DataType::Int64,
            &DataType::Boolean,
            &DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            &DataType::Utf8
        ]
    );
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 10, "the caller's default region: dev 2 + staging 1 + prod 7");

    let mut csv = csv::Reader::from_path(&csv_path).unwrap();
    assert_eq!(csv.headers().unwrap().iter().collect::<Vec<_>>()[..3], ["account_id", "instance_id", "instance_type"]);
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let json: Vec<Value> = serde_json::from_reader(File::open(&json_path).unwrap()).unwrap();
    assert_eq!((records.len(), json.len()), (10, 10));

    let mut row = 0;
    for batch in &batches {
        let ids = batch.column(1).as_string::<i32>();
        let codes = batch.column(3).as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let launched = batch.column(5).as_primitive::<TimestampMillisecondType>();
        let tags = batch.column(6).as_string::<i32>();
        for i in 0..batch.num_rows() {
            assert_eq!(records[row][1], *ids.value(i));
            assert_eq!(json[row]["instance_id"], ids.value(i));
            assert_eq!(records[row][3], codes.value(i).to_string());
            assert_eq!(json[row]["state_code"], codes.value(i));
            assert!(!launched.is_null(i));
            assert!(json[row]["launch_time"].as_str().unwrap().ends_with('Z'), "ISO-8601 UTC");
            // JSON columns: nested in JSON, text (quoted, commas and all) in CSV and Parquet.
            let tag_text: Value = serde_json::from_str(tags.value(i)).unwrap();
            assert_eq!(json[row]["tags"], tag_text);
            assert_eq!(serde_json::from_str::<Value>(&records[row][6]).unwrap(), tag_text);
            assert!(json[row]["tags"]["Owner"].as_str().unwrap().starts_with("team-"));
            row += 1;
        }
    }
    assert!(leftovers(&parquet).is_empty());
}

#[test]
fn ndjson_is_one_object_per_line() {
    let run = cove(&["--org", "query", "-o", "ndjson", "SELECT name, account_id FROM aws_iam_user ORDER BY name"]);
    run.assert_ok();
    let names: Vec<String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["alice", "bob", "carol", "dave", "erin", "frank"]);
}

#[test]
fn a_failed_query_leaves_the_previous_file_and_no_partial_one() {
    let path = scratch("failed", "keep.csv");
    std::fs::write(&path, "previous\n").unwrap();
    // Fails while rows stream: the cast errors once the scan has answered.
    let run = cove(&[
        "--org",
        "query",
        "SELECT CAST(instance_type AS INT) FROM aws_ec2_instance",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.calls("DescribeInstances").is_empty(), "it failed mid-way, after the scan started");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous\n");
    assert!(leftovers(&path).is_empty(), "{:?}", leftovers(&path));

    // A failed target under --strict does not publish an incomplete answer either.
    let strict = cove(&[
        "--strict",
        "--org",
        "--regions",
        "us-east-1,zz-nowhere-1",
        "query",
        "SELECT instance_id FROM aws_ec2_instance",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous\n");
    assert!(leftovers(&path).is_empty());
}

#[test]
fn an_unwritable_path_fails_before_any_call() {
    let run = cove(&["--org", "query", "SELECT * FROM aws_ec2_instance", "--out", "/nonexistent/dir/out.parquet"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("/nonexistent/dir/out.parquet"), "{}", run.stderr);
    assert!(run.requests.is_empty(), "{:?}", run.counts());
}

#[test]
fn copy_to_writes_parquet_through_the_scan() {
    let path = scratch("copy", "copy.parquet");
    let sql = format!("COPY (SELECT account_id, instance_id FROM aws_ec2_instance) TO '{}'", path.display());
    let run = cove(&["--org", "query", "-o", "csv", &sql]);
    run.assert_ok();
    assert_eq!(run.csv_rows(), vec![vec!["10"]]);
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap().build().unwrap();
    assert_eq!(reader.map(|b| b.unwrap().num_rows()).sum::<usize>(), 10);
}
