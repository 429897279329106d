//! A worker's end of the dataflow: the commands it receives, the replies it sends (or,
//! for worker 0, collects), and how it waits for either.
//!
//! The dataflow only carries messages: worker 0's commands to every worker, and the
//! replies to worker 0. The work happens between steps of the dataflow: a step ends by
//! handing what it produced to the network, so a command is on its way to the other
//! processes before any worker starts computing — worker 0 included. All messages are at
//! one time, which never advances before the inputs close: nothing waits on a frontier
//! (worker 0 counts the replies it needs), so no round sends timely's progress updates
//! to every worker.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use timely::container::CapacityContainerBuilder;
use timely::dataflow::InputHandle;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::vec::Map as _;
use timely::dataflow::operators::{Exchange, Input, Inspect};
use timely::worker::Worker;

use crate::DistributedError;
use crate::job::Job;
use crate::protocol::{Command, Reply};

/// How long a waiting worker spins before it parks, when its last wait of the same
/// kind was shorter than [`SHORT_WAIT`] (a pass on small data is over in microseconds)
/// and all workers are threads of one process. After a longer wait, or in a cluster of
/// processes, it parks at once: a spinning worker would hold a core that the network
/// threads need to carry the very messages it waits for, and a woken network thread
/// that finds no idle core can wait milliseconds for one (the scheduler's time slice).
const SPIN: Duration = Duration::from_micros(300);
const SHORT_WAIT: Duration = Duration::from_micros(100);

/// A reply and when it reached worker 0 (for the balance's delays).
pub(crate) type Received = (Reply, Instant);

/// The replies a round waits for: every chunk's labels, or the partials (or `Ready`) of
/// every worker that has something to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expected {
    pub(crate) labels: usize,
    pub(crate) workers: usize,
}

impl Expected {
    /// Whether `replies` hold a failure, or what is expected.
    fn met_by(self, replies: &[Received]) -> bool {
        let (mut labels, mut workers) = (0, 0);
        for (reply, _) in replies {
            match reply {
                Reply::Labels(_) => labels += 1,
                Reply::Partials(_) | Reply::Ready => workers += 1,
                Reply::Failed(_) => return true,
            }
        }
        labels == self.labels && workers == self.workers
    }
}

type Handle<T> = InputHandle<u64, CapacityContainerBuilder<Vec<T>>>;

/// One worker's end of the dataflow.
pub(crate) struct Wire<'w> {
    worker: &'w mut Worker,
    job: &'w Job,
    commands: Rc<RefCell<VecDeque<Command>>>,
    received: Rc<RefCell<Vec<Received>>>,
    /// Only worker 0 sends commands.
    command_input: Option<Handle<Command>>,
    reply_input: Handle<Reply>,
    /// How long the last wait of each kind took (see [`SPIN`]).
    command_wait: Duration,
    reply_wait: Duration,
}

impl<'w> Wire<'w> {
    /// Builds the dataflow on `worker`.
    pub(crate) fn new(worker: &'w mut Worker, job: &'w Job) -> Self {
        let commands: Rc<RefCell<VecDeque<Command>>> = Rc::default();
        let received: Rc<RefCell<Vec<Received>>> = Rc::default();
        let mut command_input = Handle::<Command>::new();
        let mut reply_input = Handle::<Reply>::new();
        {
            let (commands, received) = (Rc::clone(&commands), Rc::clone(&received));
            let (command_input, reply_input) = (&mut command_input, &mut reply_input);
            // An input's `flush` hands its messages to the next operator only, and
            // `broadcast` and `exchange` hold them until the operator that feeds them
            // ends its step: the pass-through `map` is that operator, so a flushed
            // message is on the network after one step.
            worker.dataflow::<u64, _, _>(move |scope| {
                scope
                    .input_from(command_input)
                    .container::<Vec<_>>()
                    .map(|c| c)
                    .broadcast()
                    .inspect(move |c: &Command| commands.borrow_mut().push_back(c.clone()));
                scope
                    .input_from(reply_input)
                    .container::<Vec<_>>()
                    .map(|r| r)
                    .exchange(|_| 0)
                    .inspect(move |r: &Reply| {
                        received.borrow_mut().push((r.clone(), Instant::now()))
                    });
            });
        }
        let command_input = (worker.index() == 0).then_some(command_input);
        Self {
            worker,
            job,
            commands,
            received,
            command_input,
            reply_input,
            command_wait: Duration::ZERO,
            reply_wait: Duration::ZERO,
        }
    }

    /// This worker's index among all workers of all processes.
    pub(crate) fn index(&self) -> usize {
        self.worker.index()
    }

    /// How many workers there are.
    pub(crate) fn peers(&self) -> usize {
        self.worker.peers()
    }

    /// One step of the dataflow.
    pub(crate) fn step(&mut self) {
        self.worker.step();
    }

    /// Worker 0: sends `command` to every worker (itself included).
    pub(crate) fn send_command(&mut self, command: Command) {
        let input = self
            .command_input
            .as_mut()
            .expect("only worker 0 sends commands");
        input.send(command);
        input.flush();
        if self.job.processes > 1 {
            // The step hands the command to this process's send thread; yielding lets
            // that thread write it out before worker 0 computes, should it share the
            // core (`--cpus`).
            self.worker.step();
            std::thread::yield_now();
        }
    }

    /// The next command from worker 0, once it arrives.
    pub(crate) fn next_command(&mut self) -> Result<Command, DistributedError> {
        let commands = Rc::clone(&self.commands);
        let mut last = self.command_wait;
        self.wait_until(&mut last, &|| !commands.borrow().is_empty())?;
        self.command_wait = last;
        Ok(commands
            .borrow_mut()
            .pop_front()
            .expect("a command arrived"))
    }

    /// Sends `replies` to worker 0; worker 0 keeps its own.
    pub(crate) fn deliver(&mut self, replies: Vec<Reply>) {
        if self.worker.index() == 0 {
            let now = Instant::now();
            let mut received = self.received.borrow_mut();
            received.extend(replies.into_iter().map(|r| (r, now)));
        } else {
            for reply in replies {
                self.reply_input.send(reply);
            }
            self.reply_input.flush();
        }
    }

    /// Worker 0: the replies received once `expected` are in, or the first failure
    /// among them.
    pub(crate) fn collect(
        &mut self,
        expected: Expected,
    ) -> Result<Vec<Received>, DistributedError> {
        let received = Rc::clone(&self.received);
        let mut last = self.reply_wait;
        self.wait_until(&mut last, &|| expected.met_by(&received.borrow()))?;
        self.reply_wait = last;
        let replies = std::mem::take(&mut *received.borrow_mut());
        for (reply, _) in &replies {
            if let Reply::Failed(failure) = reply {
                return Err(failure.clone().into());
            }
        }
        Ok(replies)
    }

    /// Steps the dataflow until `done`: spinning for a while if the last wait of its
    /// kind (`last`) was short, then parking until a message arrives, leaving the cores
    /// to the workers and the network threads of this and other processes.
    fn wait_until(
        &mut self,
        last: &mut Duration,
        done: &dyn Fn() -> bool,
    ) -> Result<(), DistributedError> {
        let waiting = Instant::now();
        let spin = if self.job.processes == 1 && *last < SHORT_WAIT {
            SPIN
        } else {
            Duration::ZERO
        };
        while !done() {
            if waiting.elapsed() < spin {
                self.worker.step();
            } else {
                // Woken by any message; the timeout only bounds the deadline's check.
                self.worker.step_or_park(Some(Duration::from_millis(10)));
            }
            if Instant::now() > self.job.deadline {
                return Err(DistributedError::Timeout(self.job.timeout));
            }
        }
        *last = waiting.elapsed();
        Ok(())
    }
}
