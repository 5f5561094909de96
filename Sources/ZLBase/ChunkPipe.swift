// ChunkPipe: one background thread making chunks of work in order, the caller taking them in the
// same order — a two-stage pipeline on two cores (zl-train parse: reading and masking lines beside
// Drain's learning). A bounded queue (the producer waits when it is full), errors carried to the
// consumer, and a stop that never leaves the thread running: nothing here changes a result, only
// when work is done.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

public final class ChunkPipe<Chunk>: @unchecked Sendable {
  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var queue: [Chunk] = []
  private var head = 0
  private let capacity: Int
  private var done = false
  private var stopped = false
  private var failure: Error?
  private var thread: pthread_t?
  /// A producer thread runs (set before it starts; cleared if it could not).
  private var threaded = true
  private let produce: (ChunkPipe<Chunk>) throws -> Void

  /// Starts `produce` on a new thread; it hands chunks over with `put`. Without a thread (the system
  /// refuses one), `produce` runs in the caller's thread on the first `next`, holding every chunk.
  public init(capacity: Int = 4, produce: @escaping (ChunkPipe<Chunk>) throws -> Void) {
    self.capacity = max(1, capacity)
    self.produce = produce
    pthread_mutex_init(lock, nil)
    pthread_cond_init(changed, nil)
    let context = Unmanaged.passRetained(ThreadStart { [self] in run() }).toOpaque()
    var t = pthread_t()
    let rc = pthread_create(&t, nil, { raw in
      Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue().body()
      return nil
    }, context)
    pthread_mutex_lock(lock)
    if rc == 0 {
      thread = t
    } else {
      threaded = false
      Unmanaged<ThreadStart>.fromOpaque(context).release()
    }
    pthread_mutex_unlock(lock)
  }

  deinit {
    stop()
    pthread_cond_destroy(changed)
    pthread_mutex_destroy(lock)
    lock.deallocate()
    changed.deallocate()
  }

  private func run() {
    var error: Error? = nil
    do { try produce(self) } catch let e { error = e }
    pthread_mutex_lock(lock)
    failure = error
    done = true
    pthread_cond_broadcast(changed)
    pthread_mutex_unlock(lock)
  }

  /// Hands a chunk to the consumer (called by the producer); waits while the queue is full. False:
  /// the consumer stopped, so the producer should return.
  @discardableResult
  public func put(_ chunk: Chunk) -> Bool {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    while threaded && queue.count - head >= capacity && !stopped { pthread_cond_wait(changed, lock) }
    if stopped { return false }
    queue.append(chunk)
    pthread_cond_broadcast(changed)
    return true
  }

  /// Chunks made and not yet taken (the producer may use it to share work with an idle consumer).
  public var pending: Int {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return queue.count - head
  }

  /// The next chunk in order; nil when the producer finished. Rethrows the producer's error after
  /// the chunks made before it.
  public func next() throws -> Chunk? {
    if !threaded && !done { run() }  // no thread: everything made here, then handed out
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    while head == queue.count && !done { pthread_cond_wait(changed, lock) }
    if head < queue.count {
      let c = queue[head]
      head += 1
      if head > 64 && head * 2 > queue.count {
        queue.removeFirst(head)
        head = 0
      }
      pthread_cond_broadcast(changed)
      return c
    }
    if let e = failure {
      failure = nil
      throw e
    }
    return nil
  }

  /// Tells the producer to stop at its next `put` and waits for its thread to end. The consumer
  /// calls it when done (also after the last chunk), so the thread is joined where it was started.
  public func stop() {
    pthread_mutex_lock(lock)
    stopped = true
    pthread_cond_broadcast(changed)
    let t = thread
    thread = nil
    pthread_mutex_unlock(lock)
    if let t { pthread_join(t, nil) }
  }
}

/// What a new thread runs (a C thread entry cannot capture a generic context).
private final class ThreadStart: @unchecked Sendable {
  let body: () -> Void
  init(_ body: @escaping () -> Void) { self.body = body }
}
