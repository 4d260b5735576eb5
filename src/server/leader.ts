/**
 * @module server/leader: leader election on a coordination.k8s.io/v1 Lease, so that several `skiff server`
 * replicas can run and exactly one reconciles. The algorithm is the one Kubernetes' own controllers use:
 * a candidate takes the Lease when its holder has not renewed it for a lease duration, measured on the
 * candidate's own clock from when it last saw the record change (so clock skew between replicas does not
 * matter); the leader renews every retry period and gives up leadership when it could not renew for the
 * renew deadline, which is shorter than the lease duration — it stops before anyone else may start.
 * Every write carries the resourceVersion it read, so two candidates can never both win.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isAlreadyExists, isConflict, isNotFound, Resources, type KubeClient, type KubeObject } from '../kube/index.ts';
import type { Logger } from '../log/index.ts';

export interface LeaderElectionConfig {
  /** Lease name and namespace. */
  name: string;
  namespace: string;
  /** How long a holder's lease lasts without renewal before others may take it. */
  leaseDurationMs: number;
  /** The leader steps down when it has not renewed for this long (must be < leaseDurationMs). */
  renewDeadlineMs: number;
  /** How often the leader renews and candidates retry. */
  retryPeriodMs: number;
  /** Unique per process; defaults to `<hostname>_<random>` (the pod name in a cluster). */
  identity?: string;
}

export interface LeaderCallbacks {
  /** Called when this process becomes leader; resolves once the leader's work has started. */
  onStartedLeading(): Promise<void>;
  /** Called when leadership is lost or released; must stop the leader's work before resolving. */
  onStoppedLeading(): Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  readonly identity: string;
  readonly #client: KubeClient;
  readonly #cfg: LeaderElectionConfig;
  readonly #callbacks: LeaderCallbacks;
  readonly #log: Logger;
  readonly #now: () => number;
  /** The last record seen and when (our clock) it was first seen: the basis of expiry. */
  #observed: { holder: string; renewTime: string; at: number } | undefined;
  #leading = false;
  #lastRenew = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #transition: Promise<void> = Promise.resolve();

  constructor(client: KubeClient, cfg: LeaderElectionConfig, callbacks: LeaderCallbacks, log: Logger, now: () => number = Date.now) {
    if (!(cfg.renewDeadlineMs < cfg.leaseDurationMs)) throw new Error('leader election: the renew deadline must be shorter than the lease duration');
    if (!(cfg.retryPeriodMs > 0 && cfg.retryPeriodMs < cfg.renewDeadlineMs)) throw new Error('leader election: the retry period must be positive and shorter than the renew deadline');
    this.#client = client;
    this.#cfg = cfg;
    this.#callbacks = callbacks;
    this.#log = log.child({ component: 'leader-election', lease: `${cfg.namespace}/${cfg.name}` });
    this.#now = now;
    this.identity = cfg.identity ?? defaultIdentity();
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Makes the first attempt and, when it wins, waits until the leader's work has started; then keeps
   * campaigning and renewing in the background until stop().
   */
  async start(): Promise<void> {
    await this.#tick();
    await this.#transition;
    this.#loop = this.#run();
  }

  /** Stops the leader's work and hands the Lease back, so a standby takes over at once instead of after a lease duration. */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#loop;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop;
    await this.#transition;
    if (this.#leading) {
      this.#leading = false;
      await this.#callbacks.onStoppedLeading();
      await this.#release().catch((err: unknown) => this.#log.warn(`could not release the lease: ${(err as Error).message}`));
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#timer = setTimeout(resolve, this.#cfg.retryPeriodMs);
      });
      if (this.#stopped) return;
      await this.#tick();
    }
  }

  /** One attempt to acquire or renew; steps down when a leader has failed to renew for the renew deadline. */
  async #tick(): Promise<void> {
    let ok = false;
    try {
      ok = await this.#tryAcquireOrRenew();
    } catch (err) {
      this.#log.warn(`lease update failed: ${(err as Error).message}`);
    }
    if (this.#stopped) return;
    const now = this.#now();
    if (ok) {
      this.#lastRenew = now;
      if (!this.#leading) {
        this.#leading = true;
        this.#log.info(`became leader`, { identity: this.identity });
        this.#transition = this.#transition.then(() => this.#callbacks.onStartedLeading());
      }
    } else if (this.#leading && now - this.#lastRenew >= this.#cfg.renewDeadlineMs) {
      this.#leading = false;
      this.#log.warn(`lost leadership: the lease was not renewed for ${now - this.#lastRenew} ms; stopping work`);
      this.#transition = this.#transition.then(() => this.#callbacks.onStoppedLeading());
    }
    await this.#transition.catch((err: unknown) => this.#log.error(`leadership change failed: ${(err as Error).message}`));
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace } = this.#cfg;
    const signal = AbortSignal.timeout(Math.max(1000, this.#cfg.renewDeadlineMs / 2));
    const nowDate = new Date(this.#now());
    const current = await this.#client.getIfExists<Lease>(Resources.leases, name, { namespace, signal });
    const mine = (transitions: number, acquireTime: string): LeaseSpec => ({
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.#cfg.leaseDurationMs / 1000)),
      acquireTime,
      renewTime: microTime(nowDate),
      leaseTransitions: transitions,
    });
    if (!current) {
      try {
        await this.#client.create(Resources.leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: mine(0, microTime(nowDate)) }, { namespace, signal });
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ?? '';
    if (!this.#observed || this.#observed.holder !== holder || this.#observed.renewTime !== renewTime) {
      this.#observed = { holder, renewTime, at: this.#now() };
    }
    const held = holder !== '' && holder !== this.identity;
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.#cfg.leaseDurationMs / 1000)) * 1000;
    if (held && this.#observed.at + durationMs > this.#now()) return false;
    const takingOver = holder !== this.identity;
    const next: Lease = {
      ...current,
      spec: mine((spec.leaseTransitions ?? 0) + (takingOver && holder !== '' ? 1 : 0), takingOver ? microTime(nowDate) : (spec.acquireTime ?? microTime(nowDate))),
    };
    try {
      const written = await this.#client.update<Lease>(Resources.leases, next, { namespace, signal });
      this.#observed = { holder: this.identity, renewTime: written.spec?.renewTime ?? '', at: this.#now() };
      if (takingOver) this.#log.info(`took the lease${holder ? ` from ${holder}` : ''}`);
      return true;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  /** Clears the holder (keeping the record) if we still hold it. */
  async #release(): Promise<void> {
    const { name, namespace } = this.#cfg;
    const current = await this.#client.getIfExists<Lease>(Resources.leases, name, { namespace, signal: AbortSignal.timeout(5000) });
    if (current?.spec?.holderIdentity !== this.identity) return;
    await this.#client.update(Resources.leases, { ...current, spec: { ...current.spec, holderIdentity: null, leaseDurationSeconds: 1, acquireTime: null, renewTime: microTime(new Date(this.#now())) } }, { namespace, signal: AbortSignal.timeout(5000) });
    this.#log.info('released the lease');
  }
}
