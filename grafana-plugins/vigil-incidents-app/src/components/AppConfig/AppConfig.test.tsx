import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AppPluginMeta } from '@grafana/data';
import { plugin as appPlugin } from '../../module';
import { fakeVigil } from '../../test-support/fakeVigil';
import { testIds } from '../../testIds';
import type { AppJsonData } from '../../types';
import { AppConfig, type AppConfigProps } from './AppConfig';

function renderConfig(meta: Partial<AppPluginMeta<AppJsonData>>) {
  const plugin = { meta: { id: 'vigil-incidents-app', enabled: true, pinned: true, ...meta } };
  return render(<AppConfig plugin={plugin as AppConfigProps['plugin']} query={{}} />);
}

const settingsPosts = (vigil: ReturnType<typeof fakeVigil>) =>
  vigil.requests.filter((r) => r.path === '/api/plugins/vigil-incidents-app/settings');

describe('Configuration page', () => {
  it('is what module.tsx registers, loaded on first use', async () => {
    fakeVigil();
    const Page = appPlugin.configPages![0]!.body;
    const plugin = { meta: { id: 'vigil-incidents-app', enabled: true, pinned: true, jsonData: {} } };
    render(<Page plugin={plugin as AppConfigProps['plugin']} query={{}} />);
    expect(await screen.findByTestId(testIds.appConfig.url, {}, { timeout: 10_000 })).toBeInTheDocument();
  });

  it('saves the URL in jsonData and the token in secureJsonData', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil();
    renderConfig({ jsonData: {} });
    const save = screen.getByTestId(testIds.appConfig.save);
    expect(save).toBeDisabled();
    await user.type(screen.getByTestId(testIds.appConfig.url), 'http://127.0.0.1:9096');
    expect(save).toBeDisabled(); // no token yet
    await user.type(screen.getByTestId(testIds.appConfig.apiToken), 's3cret');
    await user.click(save);
    expect(await screen.findByText('Settings saved.')).toBeInTheDocument();
    expect(settingsPosts(vigil)).toEqual([
      {
        method: 'POST',
        path: '/api/plugins/vigil-incidents-app/settings',
        params: undefined,
        data: {
          enabled: true,
          pinned: true,
          jsonData: { url: 'http://127.0.0.1:9096' },
          secureJsonData: { apiToken: 's3cret' },
        },
      },
    ]);
    // The token is now stored: the field shows it as configured, not its value.
    expect(screen.getByTestId(testIds.appConfig.apiToken)).toHaveValue('configured');
  });

  it('keeps a stored token when only the URL changes, and replaces it after a reset', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil();
    renderConfig({ jsonData: { url: 'http://old:9096' }, secureJsonFields: { apiToken: true } });
    const url = screen.getByTestId(testIds.appConfig.url);
    await user.clear(url);
    await user.type(url, 'https://vigil.example');
    await user.click(screen.getByTestId(testIds.appConfig.save));
    await screen.findByText('Settings saved.');
    expect(settingsPosts(vigil)[0]!.data).toEqual({
      enabled: true,
      pinned: true,
      jsonData: { url: 'https://vigil.example' },
      secureJsonData: undefined,
    });

    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(screen.getByTestId(testIds.appConfig.save)).toBeDisabled();
    await user.type(screen.getByTestId(testIds.appConfig.apiToken), 'new-token');
    await user.click(screen.getByTestId(testIds.appConfig.save));
    await waitFor(() => expect(settingsPosts(vigil)).toHaveLength(2));
    expect(settingsPosts(vigil)[1]!.data).toMatchObject({ secureJsonData: { apiToken: 'new-token' } });
  });

  it('refuses a URL that is not http(s), naming the field', async () => {
    const user = userEvent.setup({ delay: null });
    fakeVigil();
    renderConfig({ jsonData: {}, secureJsonFields: { apiToken: true } });
    await user.type(screen.getByTestId(testIds.appConfig.url), 'ftp://vigil');
    expect(screen.getByText('URL must start with http:// or https://')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.save)).toBeDisabled();
  });

  it("shows Grafana's answer when saving fails", async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil();
    vigil.refuseAsGrafana('POST /api/plugins/vigil-incidents-app/settings', 403, 'Permission denied');
    renderConfig({ jsonData: { url: 'http://127.0.0.1:9096' }, secureJsonFields: { apiToken: true } });
    await user.click(screen.getByTestId(testIds.appConfig.save));
    expect(await screen.findByText('Permission denied (HTTP 403)')).toBeInTheDocument();
  });

  it('tests the connection through the proxy and shows the role, or the error', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ caller: { name: 'grafana', role: 'viewer' } });
    renderConfig({ jsonData: { url: 'http://127.0.0.1:9096' }, secureJsonFields: { apiToken: true } });
    await user.click(screen.getByTestId(testIds.appConfig.test));
    expect(await screen.findByTestId(testIds.appConfig.result)).toHaveTextContent(
      'Connected as "grafana", role viewer (can only read).',
    );
    expect(vigil.calls()).toEqual(['GET /whoami']);

    vigil.refuse(
      'GET /whoami',
      401,
      'unauthorized',
      'a valid API token is required (Authorization: Bearer <token>)',
    );
    await user.click(screen.getByTestId(testIds.appConfig.test));
    await waitFor(() =>
      expect(screen.getByTestId(testIds.appConfig.result)).toHaveTextContent(
        'Connection faileda valid API token is required (Authorization: Bearer <token>)',
      ),
    );
  });
});
