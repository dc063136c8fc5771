import { UID, build, row, statPanel, timeseriesPanel, variable, vigilDashboard } from './common';

const I = 'instance=~"$instance"';

/**
 * node_exporter by the USE method (utilisation, saturation, errors) per resource, from the host records of
 * rules/prometheus/node.rules.yml and capacity.rules.yml, so the dashboard shows what the alerts see.
 */
export function hostsDashboard() {
  return build(
    vigilDashboard({
      uid: UID.hosts,
      title: 'Vigil / Hosts',
      description:
        'node_exporter by the USE method: utilisation, saturation and errors of CPU, memory, disk, network.',
    })
      .withVariable(
        variable({
          name: 'instance',
          label: 'Host',
          query: 'label_values(instance:node_num_cpu:sum, instance)',
          multi: true,
        }),
      )
      .withRow(row('CPU'))
      .withPanel(
        statPanel('CPUs', {
          queries: [{ expr: `instance:node_num_cpu:sum{${I}}`, legend: '{{instance}}', instant: true }],
          width: 4,
          height: 7,
        }),
      )
      .withPanel(
        timeseriesPanel('CPU utilisation', {
          description:
            'Share of CPU time not idle, iowait or steal (HostHighCpuUtilisation above 90% for 30m).',
          queries: [{ expr: `instance:node_cpu_utilisation:rate5m{${I}}`, legend: '{{instance}}' }],
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [
            ['green', null],
            ['red', 0.9],
          ],
          thresholdLines: true,
          width: 10,
          height: 7,
        }),
      )
      .withPanel(
        timeseriesPanel('CPU saturation: load per CPU', {
          description: '1-minute load average divided by the number of CPUs; above 1, work waits for a CPU.',
          queries: [{ expr: `instance:node_load1_per_cpu:ratio{${I}}`, legend: '{{instance}}' }],
          min: 0,
          thresholds: [
            ['green', null],
            ['orange', 1],
          ],
          thresholdLines: true,
          width: 10,
          height: 7,
        }),
      )
      .withRow(row('Memory'))
      .withPanel(
        timeseriesPanel('Memory utilisation', {
          description: 'Share of memory not available (HostMemoryHighUtilisation above 90% for 15m).',
          queries: [{ expr: `instance:node_memory_utilisation:ratio{${I}}`, legend: '{{instance}}' }],
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [
            ['green', null],
            ['red', 0.9],
          ],
          thresholdLines: true,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Memory saturation: major page faults', {
          description: 'Page faults that had to read from disk: memory pressure.',
          queries: [{ expr: `instance:node_vmstat_pgmajfault:rate5m{${I}}`, legend: '{{instance}}' }],
          unit: 'ops',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Memory exhausted in (trend)', {
          description:
            'Time until available memory reaches zero at the trend of the last 6 hours, when falling.',
          queries: [
            { expr: `instance:node_memory_MemAvailable_bytes:seconds_to_zero{${I}}`, legend: '{{instance}}' },
          ],
          unit: 's',
          min: 0,
          width: 8,
        }),
      )
      .withRow(row('Disk'))
      .withPanel(
        timeseriesPanel('Disk IO utilisation', {
          description: 'Share of time the device was busy.',
          queries: [
            {
              expr: `instance_device:node_disk_io_time_seconds:rate5m{${I}}`,
              legend: '{{instance}} {{device}}',
            },
          ],
          unit: 'percentunit',
          min: 0,
          max: 1,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Disk IO saturation: queue length', {
          description:
            'Weighted IO time per second: requests in flight or queued, on average (HostDiskIoSaturated above 10).',
          queries: [
            {
              expr: `instance_device:node_disk_io_time_weighted_seconds:rate5m{${I}}`,
              legend: '{{instance}} {{device}}',
            },
          ],
          min: 0,
          thresholds: [
            ['green', null],
            ['red', 10],
          ],
          thresholdLines: true,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Filesystem space used', {
          description: 'HostFilesystemAlmostFull fires above 95% on a writable filesystem.',
          queries: [
            {
              expr: `1 - instance_mountpoint:node_filesystem_avail:ratio{${I}}`,
              legend: '{{instance}} {{mountpoint}}',
            },
          ],
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholds: [
            ['green', null],
            ['orange', 0.85],
            ['red', 0.95],
          ],
          thresholdLines: true,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Filesystem full in (trend)', {
          description: 'Time until free space reaches zero at the trend of the last 6 hours, when falling.',
          queries: [
            {
              expr: `instance_mountpoint:node_filesystem_avail_bytes:seconds_to_zero{${I}}`,
              legend: '{{instance}} {{mountpoint}}',
            },
          ],
          unit: 's',
          min: 0,
          width: 12,
        }),
      )
      .withRow(row('Network'))
      .withPanel(
        timeseriesPanel('Network received', {
          description: 'Bytes per second on every interface but lo.',
          queries: [
            { expr: `instance:node_network_receive_bytes_excluding_lo:rate5m{${I}}`, legend: '{{instance}}' },
          ],
          unit: 'Bps',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Network transmitted', {
          description: 'Bytes per second on every interface but lo.',
          queries: [
            {
              expr: `instance:node_network_transmit_bytes_excluding_lo:rate5m{${I}}`,
              legend: '{{instance}}',
            },
          ],
          unit: 'Bps',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Network errors', {
          description: 'Receive and transmit errors per packet (HostNetworkInterfaceErrors above 1%).',
          queries: [
            {
              expr: `instance_device:node_network_errors:ratio_rate5m{${I}}`,
              legend: '{{instance}} {{device}}',
            },
          ],
          unit: 'percentunit',
          min: 0,
          thresholds: [
            ['green', null],
            ['red', 0.01],
          ],
          thresholdLines: true,
          width: 8,
        }),
      ),
  );
}
