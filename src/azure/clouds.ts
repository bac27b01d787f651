// Entra ID authorities and Resource Manager endpoints of the Azure clouds.
export interface CloudEndpoints {
  authorityHost: string;
  resourceManager: string;
}

export const CLOUDS: Record<'public' | 'usgov' | 'china', CloudEndpoints> = {
  public: {
    authorityHost: 'https://login.microsoftonline.com',
    resourceManager: 'https://management.azure.com',
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.us',
    resourceManager: 'https://management.usgovcloudapi.net',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    resourceManager: 'https://management.chinacloudapi.cn',
  },
};

export const armScope = (resourceManager: string): string =>
  `${resourceManager.replace(/\/+$/, '')}/.default`;
