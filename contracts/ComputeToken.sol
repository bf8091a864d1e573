// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title ComputeToken
/// @notice The token volunteers earn for verified work units and requesters deposit into the job
/// escrow. A plain, fixed-supply ERC-20 with EIP-2612 permit, so a requester can approve and fund a
/// job in one transaction.
/// @dev No owner, no minting after construction, no fees, no hooks: the escrow's accounting relies
/// on a transfer moving exactly the amount asked.
contract ComputeToken is ERC20, ERC20Permit {
    /// @notice Mints the whole supply once.
    /// @param initialHolder Receives `initialSupply` (the deployer, a treasury, or a faucet).
    /// @param initialSupply Total supply in the smallest unit (18 decimals).
    constructor(address initialHolder, uint256 initialSupply)
        ERC20("Compute Token", "CMPT")
        ERC20Permit("Compute Token")
    {
        _mint(initialHolder, initialSupply);
    }
}
