import { FieldConfigProperty, PanelPlugin } from '@grafana/data';
import { HealthScorePanel } from './components/HealthScorePanel/HealthScorePanel';
import { DEFAULT_THRESHOLDS } from './health/bands';
import { DEFAULT_OPTIONS, SIGNALS, SIGNAL_TITLES, type HealthScoreOptions } from './types';

export const plugin = new PanelPlugin<HealthScoreOptions>(HealthScorePanel)
  .useFieldConfig({
    // The score bands are the standard thresholds; drill-down data links the standard links.
    standardOptions: { [FieldConfigProperty.Thresholds]: { defaultValue: DEFAULT_THRESHOLDS } },
    disableStandardOptions: [
      FieldConfigProperty.Unit,
      FieldConfigProperty.Min,
      FieldConfigProperty.Max,
      FieldConfigProperty.FieldMinMax,
      FieldConfigProperty.Decimals,
      FieldConfigProperty.DisplayName,
      FieldConfigProperty.NoValue,
      FieldConfigProperty.Mappings,
      FieldConfigProperty.Color,
      FieldConfigProperty.Actions,
      FieldConfigProperty.Filterable,
    ],
  })
  .setPanelOptions((builder) => {
    builder
      .addRadio({
        path: 'scoreSource',
        name: 'Score',
        description:
          'Recorded: the score series (vigil:service_health_score). Computed: the panel scores the signal series with the weights and thresholds below.',
        defaultValue: DEFAULT_OPTIONS.scoreSource,
        settings: {
          options: [
            { value: 'recorded', label: 'Recorded' },
            { value: 'computed', label: 'Computed' },
          ],
        },
      })
      .addTextInput({
        path: 'serviceLabel',
        name: 'Service label',
        description: 'The label naming the service on every series.',
        defaultValue: DEFAULT_OPTIONS.serviceLabel,
      })
      .addNumberInput({
        path: 'staleAfterSeconds',
        name: 'Stale after (seconds)',
        description:
          'A service whose newest sample is older than this, at the end of the time range, shows as stale.',
        defaultValue: DEFAULT_OPTIONS.staleAfterSeconds,
        settings: { min: 1, integer: true },
      })
      .addTextInput({
        path: 'drilldownUrl',
        name: 'Drill-down URL',
        description:
          '${service} is the service; dashboard variables and ${__url_time_range} work too. Empty: none.',
        defaultValue: DEFAULT_OPTIONS.drilldownUrl,
      })
      .addNumberInput({
        path: 'minTileWidth',
        name: 'Minimum tile width',
        defaultValue: DEFAULT_OPTIONS.minTileWidth,
        settings: { min: 60, integer: true },
      })
      .addBooleanSwitch({
        path: 'showSparkline',
        name: 'Trend sparkline',
        defaultValue: DEFAULT_OPTIONS.showSparkline,
      });
    for (const signal of SIGNALS) {
      const category = [`Signal: ${SIGNAL_TITLES[signal]}`];
      const defaults = DEFAULT_OPTIONS.signals[signal];
      builder
        .addNumberInput({
          path: `signals.${signal}.weight`,
          name: 'Weight',
          description: 'Its share of a computed score; 0 shows it in the breakdown only.',
          category,
          defaultValue: defaults.weight,
          settings: { min: 0 },
        })
        .addNumberInput({
          path: `signals.${signal}.good`,
          name: 'Good value',
          description: 'The value that scores 100%.',
          category,
          defaultValue: defaults.good,
        })
        .addNumberInput({
          path: `signals.${signal}.bad`,
          name: 'Bad value',
          description: 'The value that scores 0%; linear in between.',
          category,
          defaultValue: defaults.bad,
        });
    }
  });
