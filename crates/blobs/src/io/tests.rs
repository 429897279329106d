use std::fs::File;
use std::io::Write;

use ndarray::{Array2, ArrayView1, ShapeBuilder};
use ndarray_npy::WriteNpyExt;

use ladder_test_support::npy_header;

use super::*;

fn temp(contents: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    File::create(&path).unwrap().write_all(contents).unwrap();
    (dir, path)
}

fn parse(bytes: &[u8], name: &str) -> Result<Loaded, IoError> {
    parse_points(Path::new(name), bytes, &ReadOptions::default())
}

fn npy_bytes(write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut bytes = Vec::new();
    write(&mut bytes);
    bytes
}

#[test]
fn npy_round_trips_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.npy");
    let m = Matrix::new(vec![0.1, -2.5e-300, 3.0, f64::MIN_POSITIVE, 5.0, 6.0], 2).unwrap();
    write_points_npy(&path, &m).unwrap();
    assert_eq!(read_points(&path).unwrap(), m);
    // Written whole and renamed into place: nothing else is left in the directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn every_float_layout_numpy_writes_is_read() {
    let want = Matrix::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3).unwrap();
    let c = Array2::from_shape_vec((2, 3), want.as_slice().to_vec()).unwrap();
    let mut fortran = Array2::<f64>::zeros((2, 3).f());
    fortran.assign(&c);
    for (bytes, what) in [
        (
            npy_bytes(|b| c.write_npy(b).unwrap()),
            ".npy, float64, 2-D, C order",
        ),
        (
            npy_bytes(|b| fortran.write_npy(b).unwrap()),
            ".npy, float64, 2-D, Fortran order",
        ),
        (
            npy_bytes(|b| c.mapv(|x| x as f32).write_npy(b).unwrap()),
            ".npy, float32, 2-D, C order",
        ),
    ] {
        let loaded = parse(&bytes, "p.npy").unwrap();
        assert_eq!(loaded.points, want, "{what}");
        assert_eq!(loaded.format.to_string(), what);
        assert_eq!(loaded.note(Path::new("p.npy")), None);
    }
    // Big-endian: the header's descr says '>f8' and the bytes are swapped.
    let mut big = npy_bytes(|b| c.write_npy(b).unwrap());
    let at = big.windows(3).position(|w| w == b"<f8").unwrap();
    big[at] = b'>';
    let offset = big.len() - 48;
    for value in big[offset..].chunks_exact_mut(8) {
        value.reverse();
    }
    assert_eq!(parse(&big, "p.npy").unwrap().points, want);
}

#[test]
fn a_1d_array_is_one_feature_and_says_so() {
    let bytes = npy_bytes(|b| {
        ArrayView1::from(&[1.0f64, 2.0, 3.0][..])
            .write_npy(b)
            .unwrap()
    });
    let loaded = parse(&bytes, "v.npy").unwrap();
    assert_eq!((loaded.points.n(), loaded.points.d()), (3, 1));
    let note = loaded.note(Path::new("v.npy")).unwrap();
    assert!(
        note.contains("1-D array, read as 3 points of one feature"),
        "{note}"
    );
}

#[test]
fn npy_layout_finds_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.npy");
    let m = Matrix::new((0..12).map(f64::from).collect(), 3).unwrap();
    write_points_npy(&path, &m).unwrap();
    let layout = npy_layout(&path).unwrap();
    assert_eq!((layout.n, layout.d), (4, 3));
    let mut rows = [0.0; 6];
    read_npy_rows(&File::open(&path).unwrap(), &path, &layout, 2, &mut rows).unwrap();
    assert_eq!(rows, [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]);
    let labels = dir.path().join("l.npy");
    write_labels_npy(&labels, &[1, 2]).unwrap();
    let err = npy_layout(&labels).unwrap_err().to_string();
    assert!(err.contains("float64"), "{err}");
}

#[test]
fn csv_round_trips_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.csv");
    let m = Matrix::new(vec![0.1, -2.5e-300, 1e300, 1.0 / 3.0], 2).unwrap();
    write_points(&path, &m).unwrap();
    assert_eq!(read_points(&path).unwrap(), m);
}

#[test]
fn csv_with_header_and_comments_is_read() {
    let (_d, path) = temp(b"x, y\n# a comment\n1, 2\n3.5,-4e-3\n", "p.csv");
    let m = read_points(&path).unwrap();
    assert_eq!(m, Matrix::new(vec![1.0, 2.0, 3.5, -4e-3], 2).unwrap());
}

#[test]
fn every_delimiter_is_detected_or_given() {
    let want = Matrix::new(vec![1.0, 2.0, 3.5, -4.0], 2).unwrap();
    for (text, delimiter) in [
        (&b"1,2\n3.5,-4\n"[..], Delimiter::Comma),
        (b"a\tb\r\n1\t2\r\n3.5\t-4\r\n", Delimiter::Tab),
        (b"\"x\";\"y\"\n1;2\n3.5;-4\n", Delimiter::Semicolon),
        (b"  1   2\n3.5 \t -4\n", Delimiter::Whitespace),
        (b"\xEF\xBB\xBF\"1\",\"2\"\n3.5,-4\n", Delimiter::Comma),
    ] {
        let loaded = parse(text, "p.txt").unwrap();
        assert_eq!(loaded.points, want, "{delimiter}");
        assert!(matches!(loaded.format, Format::Csv { delimiter: d, .. } if d == delimiter));
        let options = ReadOptions {
            delimiter: Some(delimiter),
        };
        let given = parse_points(Path::new("p.txt"), text, &options).unwrap();
        assert_eq!(given.points, want);
    }
    // One column has no delimiter at all.
    let one = parse(b"1\n2\n3\n", "p.csv").unwrap();
    assert_eq!((one.points.n(), one.points.d()), (3, 1));
    // A given delimiter is used even where another would split.
    let options = ReadOptions {
        delimiter: Some(Delimiter::Semicolon),
    };
    let err = parse_points(Path::new("p.csv"), b"1 2\n3 4\n", &options).unwrap_err();
    assert!(err.to_string().contains("semicolon delimited"), "{err}");
    assert_eq!("tab".parse::<Delimiter>(), Ok(Delimiter::Tab));
    assert!(";;".parse::<Delimiter>().is_err());
}

#[test]
fn bad_files_get_one_clear_error() {
    let long = format!("1,2\n3,{}\n", "9".repeat(400) + "x");
    let cases: Vec<(&[u8], &str, &str)> = vec![
        (
            b"1,2\n3\n",
            "r.csv",
            "line 2: 1 values, but earlier rows have 2",
        ),
        (b"1,2\n3,x\n", "x.csv", "line 2: \"x\" is not a number"),
        (b"1,2,\n3,4,\n", "t.csv", "line 1: field 3 is empty"),
        (
            b"1,2\n1e400,3\n",
            "o.csv",
            "line 2: \"1e400\" is beyond float64's range",
        ),
        (b"", "e.csv", "no points"),
        (b"a,b\n", "h.csv", "no points"),
        (
            b"1,2\n\xff\xfe,3\n",
            "u.csv",
            "line 2: it is not UTF-8 text",
        ),
        (
            b"\x00\x01\x02",
            "b.bin",
            "binary data that is not a .npy array",
        ),
        (
            b"\x93NUMPY garbage",
            "g.npy",
            "not a float .npy array of points",
        ),
        (
            b"\x93NUMPY\x01\x00\xff\xff",
            "big.npy",
            "more than numpy itself reads",
        ),
        (b"\x93NUMPY\x09\x00\x10\x00", "v.npy", "format version 9.0"),
        (b"1,2\n", "n.npy", "does not start with numpy's .npy header"),
        (long.as_bytes(), "l.csv", "is not a number"),
    ];
    for (bytes, name, want) in cases {
        let err = parse(bytes, name).unwrap_err().to_string();
        assert!(err.contains(want), "{name}: {err}");
        assert!(err.starts_with(name), "{name}: {err}");
        assert!(err.len() < 240 && !err.contains('\n'), "{name}: {err}");
    }
    let err = read_points(Path::new("/no/such/file.npy")).unwrap_err();
    assert!(matches!(err, IoError::NotFound { .. }), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let err = read_points(dir.path()).unwrap_err().to_string();
    assert!(err.ends_with("is a directory; give a file"), "{err}");
    let err = read_points(Path::new("/dev/zero")).unwrap_err().to_string();
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn npy_of_the_wrong_shape_dtype_or_size_is_refused() {
    let ints = npy_bytes(|b| ArrayView1::from(&[1i64, 2][..]).write_npy(b).unwrap());
    let err = parse(&ints, "i.npy").unwrap_err().to_string();
    assert!(
        err.contains("its dtype is <i8") && err.contains("astype"),
        "{err}"
    );
    let cube = npy_bytes(|b| {
        ndarray::Array3::<f64>::zeros((2, 2, 2))
            .write_npy(b)
            .unwrap()
    });
    let err = parse(&cube, "c.npy").unwrap_err().to_string();
    assert!(err.contains("3 dimensions, shape [2, 2, 2]"), "{err}");
    let scalar = npy_bytes(|b| ndarray::arr0(1.0f64).write_npy(b).unwrap());
    let err = parse(&scalar, "s.npy").unwrap_err().to_string();
    assert!(err.contains("a single number"), "{err}");
    let ok = npy_bytes(|b| Array2::<f64>::zeros((3, 2)).write_npy(b).unwrap());
    let err = parse(&ok[..ok.len() - 1], "t.npy").unwrap_err().to_string();
    assert!(
        err.contains("truncated: its header says 3 × 2 values of float64"),
        "{err}"
    );
    let mut extra = ok.clone();
    extra.push(0);
    let err = parse(&extra, "x.npy").unwrap_err().to_string();
    assert!(err.contains("1 bytes after its 3 × 2 values"), "{err}");
    let empty = npy_bytes(|b| Array2::<f64>::zeros((0, 2)).write_npy(b).unwrap());
    assert!(matches!(parse(&empty, "e.npy"), Err(IoError::Empty { .. })));
    let no_columns = npy_bytes(|b| Array2::<f64>::zeros((2, 0)).write_npy(b).unwrap());
    let err = parse(&no_columns, "z.npy").unwrap_err().to_string();
    assert!(err.contains("0 columns"), "{err}");
}

#[test]
fn a_hostile_header_is_refused_cheaply() {
    // A shape whose byte count overflows, and a header nested far deeper than numpy's.
    let huge = npy_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551615, 3), }",
    );
    let err = parse(&huge, "h.npy").unwrap_err().to_string();
    assert!(err.contains("truncated"), "{err}");
    let nested = npy_header(&format!("{}{}", "(".repeat(4000), ")".repeat(4000)));
    let err = parse(&nested, "n.npy").unwrap_err().to_string();
    assert!(err.contains("not numpy's dictionary"), "{err}");
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.npy");
    std::fs::write(&path, b"old").unwrap();
    let err = Output::create(&path)
        .unwrap()
        .write_with(|_| Err(std::io::Error::other("disk on fire")))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot write it: disk on fire"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let err = Output::create(&dir.path().join("no/such/dir.npy"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "cannot create it: its directory does not exist; create it or choose another path"
        ),
        "{err}"
    );
    let err = Output::create(Path::new("-")).unwrap_err().to_string();
    assert!(err.contains("not to stdout"), "{err}");
    let err = Output::create(dir.path()).unwrap_err().to_string();
    assert!(err.ends_with("is a directory; give a file"), "{err}");
}

#[test]
fn labels_are_written_as_npy_or_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("l.csv");
    write_labels(&csv, &[0, 2, 1]).unwrap();
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "0\n2\n1\n");
    let npy = dir.path().join("l.npy");
    write_labels(&npy, &[0, 2, 1]).unwrap();
    let err = read_points(&npy).unwrap_err().to_string();
    assert!(err.contains("its dtype is <i8"), "{err}");
}
