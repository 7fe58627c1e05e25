//! What the numbers were measured on: CPU, cores, memory, load and date, for the README's table.

/// The machine as Linux describes it (fields stay "unknown" elsewhere).
pub struct Machine {
    cpu: String,
    cores: usize,
    memory_gib: Option<f64>,
}

impl Machine {
    /// Reads `/proc/cpuinfo` and `/proc/meminfo`.
    pub fn probe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = field(&cpuinfo, "model name")
            .unwrap_or("unknown CPU")
            .to_owned();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_gib = field(&meminfo, "MemTotal")
            .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kib| kib / (1024.0 * 1024.0));
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        Machine {
            cpu,
            cores,
            memory_gib,
        }
    }

    /// One line: CPU, cores available to this process, memory.
    pub fn describe(&self) -> String {
        let memory = self
            .memory_gib
            .map_or_else(|| "unknown memory".to_owned(), |g| format!("{g:.0} GiB"));
        format!("{}, {} cores available, {memory}", self.cpu, self.cores)
    }
}

/// The value of the first `name: value` line of a `/proc` file.
fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim())
    })
}

/// CPU time counters, in clock ticks: the machine's busy and total time, and this process's
/// own time with that of its finished children (the PyTorch runs).
#[derive(Clone, Copy, Debug)]
pub struct CpuTimes {
    busy: u64,
    total: u64,
    own: u64,
}

impl CpuTimes {
    /// Reads `/proc/stat` and `/proc/self/stat`; `None` where they are missing or unexpected.
    pub fn now() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().ok())
            .collect::<Option<_>>()?;
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        let &[user, nice, system, idle, iowait, irq, softirq, steal, ..] = cpu.as_slice() else {
            return None;
        };
        let busy = user + nice + system + irq + softirq + steal;
        let own_stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name (which may hold spaces), from the state (field 3) on.
        let fields: Vec<&str> = own_stat.rsplit_once(')')?.1.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        let own = field(14)? + field(15)? + field(16)? + field(17)?;
        Some(CpuTimes {
            busy,
            total: busy + idle + iowait,
            own,
        })
    }

    /// The share of all CPU time between `self` and `later` that other processes used.
    pub fn others_share(&self, later: &CpuTimes) -> f64 {
        let total = later.total.saturating_sub(self.total).max(1) as f64;
        let others = later
            .busy
            .saturating_sub(self.busy)
            .saturating_sub(later.own.saturating_sub(self.own));
        others as f64 / total
    }
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The date and time in UTC as `date -u` prints them, `YYYY-MM-DD HH:MM UTC`.
pub fn date_utc() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown date".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        )
}
