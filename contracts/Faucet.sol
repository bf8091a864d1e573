// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title Faucet
/// @notice Local development only: gives any address a fixed amount of tokens, and optionally a
/// little native currency for gas, at most once per period, so a newcomer with an empty wallet can
/// fund a job and claim rewards without asking anyone.
/// @dev Never deployed outside the local chain: anyone may drain it `dripAmount` at a time with
/// fresh addresses.
contract Faucet is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The token handed out.
    IERC20 public immutable token;
    /// @notice Tokens per drip, in the token's smallest unit.
    uint256 public immutable dripAmount;
    /// @notice Native currency (wei) per drip, sent only while the faucet holds enough of it.
    uint256 public immutable nativeDripAmount;
    /// @notice Seconds an address waits between two drips.
    uint64 public immutable period;

    /// @notice When each address last received a drip (0: never).
    mapping(address recipient => uint64 timestamp) public lastDrip;

    /// @notice Emitted for every drip.
    /// @param recipient Who received it.
    /// @param amount Tokens sent.
    /// @param nativeAmount Wei sent (0 when the faucet had too little).
    event Dripped(address indexed recipient, uint256 amount, uint256 nativeAmount);

    /// @notice `recipient` already received a drip within the last `period`.
    /// @param recipient The address asked for.
    /// @param availableAt The first timestamp at which it may receive another.
    error FaucetCooldown(address recipient, uint64 availableAt);
    /// @notice The faucet holds fewer than `dripAmount` tokens.
    error FaucetEmpty();
    /// @notice The zero address cannot receive a drip.
    error InvalidRecipient();
    /// @notice Sending the native currency to the recipient failed.
    /// @param recipient The address that refused it.
    error NativeTransferFailed(address recipient);

    /// @param token_ The token to hand out (fund the faucet by transferring tokens to it).
    /// @param dripAmount_ Tokens per drip.
    /// @param nativeDripAmount_ Wei per drip (0 for none); fund by sending native currency.
    /// @param period_ Seconds between two drips to the same address.
    constructor(IERC20 token_, uint256 dripAmount_, uint256 nativeDripAmount_, uint64 period_) {
        token = token_;
        dripAmount = dripAmount_;
        nativeDripAmount = nativeDripAmount_;
        period = period_;
    }

    /// @notice Accepts native currency to hand out for gas.
    receive() external payable {}

    /// @notice Sends `dripAmount` tokens (and `nativeDripAmount` wei while the faucet has it) to
    /// `recipient`. Anyone may call it for anyone, so a wallet without gas can be started by another.
    /// @param recipient Who receives the drip.
    function drip(address recipient) external nonReentrant {
        if (recipient == address(0)) revert InvalidRecipient();
        uint64 last = lastDrip[recipient];
        if (last != 0 && block.timestamp < uint256(last) + period) {
            revert FaucetCooldown(recipient, last + period);
        }
        if (token.balanceOf(address(this)) < dripAmount) revert FaucetEmpty();
        uint256 nativeAmount = address(this).balance >= nativeDripAmount ? nativeDripAmount : 0;
        lastDrip[recipient] = uint64(block.timestamp);
        emit Dripped(recipient, dripAmount, nativeAmount);
        token.safeTransfer(recipient, dripAmount);
        if (nativeAmount != 0) {
            (bool sent, ) = recipient.call{value: nativeAmount}("");
            if (!sent) revert NativeTransferFailed(recipient);
        }
    }
}
