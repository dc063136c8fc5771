import { render, screen } from '@testing-library/react';
import { Button } from '@grafana/ui';
import { toDataFrame } from '@grafana/data';

it('renders a grafana button', () => {
  render(<Button>Go {toDataFrame({ fields: [{ name: 'a', values: [1] }] }).length}</Button>);
  expect(screen.getByRole('button')).toHaveTextContent('Go 1');
});
