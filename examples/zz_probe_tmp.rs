fn main() {
    let stop = std::sync::atomic::AtomicBool::new(false);
    for f in std::env::args().skip(1) {
        let sc = drsim::scenario::load_file(f.as_ref()).unwrap().scenario;
        let t = std::time::Instant::now();
        let a = drsim::analyze::analyze(&sc, Some(200), &stop).unwrap();
        eprintln!("{f}: {:?}", t.elapsed());
        println!("{}", a.render_table());
    }
}
