/**
 * Metrics of the live Docker-label source (src/labels, `run --docker-labels`): its passes, what
 * they wrote, and how many labels the last pass could not translate. Labels are fixed, bounded
 * sets (result: ok|failed; action: create|replace|delete|conflict; kind: JobNotifier|Secret).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type DockerLabelAction = 'create' | 'replace' | 'delete' | 'conflict';

export class DockerLabelMetrics {
  readonly passes: Counter<'result'>;
  readonly jobWrites: Counter<'action'>;
  readonly notifierWrites: Counter<'kind' | 'action'>;
  readonly untranslated: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.passes = new Counter({
      name: 'ofelia_docker_label_passes_total',
      help: 'Passes of the Docker-label source (list containers, translate labels, apply), by result.',
      labelNames: ['result'] as const,
      registers,
    });
    this.jobWrites = new Counter({
      name: 'ofelia_docker_label_job_writes_total',
      help: 'ScheduledDockerJobs the Docker-label source created, replaced or deleted, and names it found taken (conflict).',
      labelNames: ['action'] as const,
      registers,
    });
    this.notifierWrites = new Counter({
      name: 'ofelia_docker_label_notifier_writes_total',
      help: 'JobNotifiers and the Secrets they read (kind) that the Docker-label source created, replaced or deleted, and names it found taken (conflict).',
      labelNames: ['kind', 'action'] as const,
      registers,
    });
    this.untranslated = new Gauge({
      name: 'ofelia_docker_label_issues',
      help: 'Ofelia labels the last pass reported instead of translating (see the log for each).',
      registers,
    });
  }
}
